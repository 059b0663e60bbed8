/**
 * Prometheus metrics (prom-client, one registry per app so tests can run many). The engine
 * reports through `EngineObserver`; label children on hot paths are created once.
 * @module
 */
import type { EngineObserver, StreamInfo } from '@tidewire/server';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface Metrics {
  registry: Registry;
  observer: EngineObserver;
  /** Time from asking the model to its first token. */
  upstreamFirstToken(seconds: number, model: string): void;
  /** An error answered outside a stream (4xx/5xx JSON), by type. */
  requestError(type: string): void;
  limitHit(limit: 'rate' | 'streams' | 'connections'): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const make = {
    gauge: (name: string, help: string) => new Gauge({ name, help, registers: [registry] }),
    counter: (name: string, help: string, labelNames: string[] = []) =>
      new Counter({ name, help, labelNames, registers: [registry] }),
    histogram: (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
      new Histogram({ name, help, buckets, labelNames, registers: [registry] }),
  };
  const openConnections = make.gauge('tidewire_sse_connections_open', 'Open SSE connections');
  const running = make.gauge('tidewire_generations_running', 'Generations running on this instance');
  const duration = make.histogram(
    'tidewire_stream_duration_seconds',
    'Stream duration, start to end',
    [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
  );
  const firstDelta = make.histogram(
    'tidewire_time_to_first_delta_seconds',
    'Time from stream start to its first delta',
    LATENCY_BUCKETS,
  );
  const events = make.counter('tidewire_events_sent_total', 'Events written to SSE connections');
  const bytes = make.counter('tidewire_bytes_sent_total', 'Bytes of events written to SSE connections');
  const pings = make.counter('tidewire_heartbeats_sent_total', 'Heartbeat pings written');
  const connections = make.counter('tidewire_sse_connections_total', 'SSE connections opened', ['kind']);
  const newConnection = connections.labels('new');
  const resumeConnection = connections.labels('resume');
  const reconnects = make.histogram(
    'tidewire_reconnects_per_stream',
    'Resumes of a stream on this instance while it ran',
    [0, 1, 2, 3, 5, 10, 20, 50],
  );
  const slow = make.counter(
    'tidewire_slow_client_disconnects_total',
    'Connections closed for leaving too many bytes unread',
  );
  const streamErrors = make.counter(
    'tidewire_stream_errors_total',
    'Streams that ended with an error event, by type',
    ['type'],
  );
  const requestErrors = make.counter(
    'tidewire_request_errors_total',
    'Error responses outside streams, by type',
    ['type'],
  );
  const limits = make.counter('tidewire_limit_hits_total', 'Requests refused by a limit', ['limit']);
  const upstream = make.histogram(
    'tidewire_upstream_first_token_seconds',
    'Time from asking the model to its first token',
    LATENCY_BUCKETS,
    ['model'],
  );
  const resumesByStream = new Map<string, number>();

  const observer: EngineObserver = {
    onConnectionOpen(info: StreamInfo, resumed: boolean) {
      openConnections.inc();
      (resumed ? resumeConnection : newConnection).inc();
      if (resumed && resumesByStream.has(info.streamId))
        resumesByStream.set(info.streamId, resumesByStream.get(info.streamId)! + 1);
    },
    onConnectionClose: () => openConnections.dec(),
    onFramesSent(count, byteCount) {
      events.inc(count);
      bytes.inc(byteCount);
    },
    onPing: (count) => pings.inc(count),
    onSlowClient: () => slow.inc(),
    onStreamStart(info) {
      running.inc();
      resumesByStream.set(info.streamId, 0);
    },
    onStreamEnd(info, ms) {
      running.dec();
      duration.observe(ms / 1000);
      reconnects.observe(resumesByStream.get(info.streamId) ?? 0);
      resumesByStream.delete(info.streamId);
    },
    onFirstDelta: (_info, ms) => firstDelta.observe(ms / 1000),
    onStreamError: (_info, type) => streamErrors.labels(type).inc(),
  };
  return {
    registry,
    observer,
    upstreamFirstToken: (seconds, model) => upstream.labels(model).observe(seconds),
    requestError: (type) => requestErrors.labels(type).inc(),
    limitHit: (limit) => limits.labels(limit).inc(),
  };
}
