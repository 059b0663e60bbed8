/**
 * Prometheus metrics (prom-client, one registry per app so tests can run many). The engine
 * reports through `EngineObserver`. On the hot paths (every write, ping and connection) the
 * numbers are plain variables handed to prom-client only when scraped, since its `inc()`
 * allocates on each call; per-stream and per-error numbers go to prom-client directly.
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
  /** A finished stream's log was freed before its retention time (memory budget). */
  streamEvicted(): void;
  /** A WebSocket of `/api/v1/ws` opened (its streams count as connections too). */
  webSocketOpened(): void;
  webSocketClosed(): void;
  /** Where, at each scrape, the number of requests waiting their turn is read (request-queue.ts). */
  readRequestsWaiting(read: () => number): void;
}

/**
 * A counter fed by plain numbers, one per value of its label (or a single one, unlabelled):
 * adding costs an addition, and each scrape hands the sums to prom-client.
 */
function hotCounter(registry: Registry, name: string, help: string, label?: [string, string[]]) {
  const values = label?.[1] ?? [''];
  const pending = values.map(() => 0);
  new Counter({
    name,
    help,
    labelNames: label ? [label[0]] : [],
    registers: [registry],
    collect() {
      values.forEach((value, i) => {
        if (label) this.inc({ [label[0]]: value }, pending[i]!);
        else this.inc(pending[i]!);
        pending[i] = 0;
      });
    },
  });
  /** Adds `n` to the count of the label value at `index`. */
  return (n: number, index = 0) => {
    pending[index]! += n;
  };
}

/** A gauge that reads its value from `read()` when scraped. */
function readGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
    new Histogram({ name, help, buckets, labelNames, registers: [registry] });

  let open = 0;
  let running = 0;
  let webSockets = 0;
  readGauge(registry, 'tidewire_sse_connections_open', 'Open SSE connections', () => open);
  readGauge(registry, 'tidewire_websockets_open', 'Open WebSockets of /api/v1/ws', () => webSockets);
  readGauge(registry, 'tidewire_generations_running', 'Generations running on this instance', () => running);
  let requestsWaiting = () => 0;
  readGauge(
    registry,
    'tidewire_requests_waiting',
    'Requests waiting their turn: more arrived at once than are handled together',
    () => requestsWaiting(),
  );
  const events = hotCounter(registry, 'tidewire_events_sent_total', 'Events written to SSE connections');
  const bytes = hotCounter(
    registry,
    'tidewire_bytes_sent_total',
    'Bytes of events written to SSE connections',
  );
  const pings = hotCounter(registry, 'tidewire_heartbeats_sent_total', 'Heartbeat pings written');
  const RESUMED = 1;
  const connections = hotCounter(registry, 'tidewire_sse_connections_total', 'SSE connections opened', [
    'kind',
    ['new', 'resume'],
  ]);
  const duration = histogram(
    'tidewire_stream_duration_seconds',
    'Stream duration, start to end',
    [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
  );
  const firstDelta = histogram(
    'tidewire_time_to_first_delta_seconds',
    'Time from stream start to its first delta',
    LATENCY_BUCKETS,
  );
  const textHeld = histogram(
    'tidewire_stream_longest_text_hold_seconds',
    'Per stream, the longest any of its text waited in the delta coalescer (DELTA_HOLD_MS bounds it)',
    [0.001, 0.005, 0.01, 0.02, 0.025, 0.03, 0.035, 0.05, 0.1, 0.25, 1],
  );
  const reconnects = histogram(
    'tidewire_reconnects_per_stream',
    'Resumes of a stream on this instance while it ran',
    [0, 1, 2, 3, 5, 10, 20, 50],
  );
  const slow = counter(
    'tidewire_slow_client_disconnects_total',
    'Connections closed for leaving too many bytes unread',
  );
  const streamErrors = counter(
    'tidewire_stream_errors_total',
    'Streams that ended with an error event, by type',
    ['type'],
  );
  const requestErrors = counter('tidewire_request_errors_total', 'Error responses outside streams, by type', [
    'type',
  ]);
  const limits = counter('tidewire_limit_hits_total', 'Requests refused by a limit', ['limit']);
  const upstream = histogram(
    'tidewire_upstream_first_token_seconds',
    'Time from asking the model to its first token',
    LATENCY_BUCKETS,
    ['model'],
  );
  const adopted = counter(
    'tidewire_streams_taken_over_total',
    'Generations this instance continued after their instance died or shut down',
  );
  const handedOff = counter(
    'tidewire_streams_handed_off_total',
    'Generations handed to other instances at shutdown',
  );
  const evicted = counter(
    'tidewire_streams_evicted_total',
    'Finished streams freed before their retention time to keep retained logs within STREAM_MAX_RETAINED_BYTES',
  );
  const resumesByStream = new Map<string, number>();

  const observer: EngineObserver = {
    onConnectionOpen(info: StreamInfo, resumed: boolean) {
      open++;
      connections(1, resumed ? RESUMED : 0);
      const resumes = resumed ? resumesByStream.get(info.streamId) : undefined;
      if (resumes !== undefined) resumesByStream.set(info.streamId, resumes + 1);
    },
    onConnectionClose() {
      open--;
    },
    onFramesSent(count, byteCount) {
      events(count);
      bytes(byteCount);
    },
    onPing: (count) => pings(count),
    onSlowClient: () => slow.inc(),
    onStreamStart(info) {
      running++;
      resumesByStream.set(info.streamId, 0);
    },
    onStreamEnd(info, ms) {
      running--;
      duration.observe(ms / 1000);
      reconnects.observe(resumesByStream.get(info.streamId) ?? 0);
      resumesByStream.delete(info.streamId);
    },
    onFirstDelta: (_info, ms) => firstDelta.observe(ms / 1000),
    onStreamTextHeld: (_info, ms) => textHeld.observe(ms / 1000),
    onStreamError: (_info, type) => streamErrors.labels(type).inc(),
    onStreamAdopted: () => adopted.inc(),
    onStreamHandedOff: () => handedOff.inc(),
  };
  return {
    registry,
    observer,
    upstreamFirstToken: (seconds, model) => upstream.labels(model).observe(seconds),
    requestError: (type) => requestErrors.labels(type).inc(),
    limitHit: (limit) => limits.labels(limit).inc(),
    streamEvicted: () => evicted.inc(),
    webSocketOpened: () => {
      webSockets++;
    },
    readRequestsWaiting: (read) => {
      requestsWaiting = read;
    },
    webSocketClosed: () => {
      webSockets--;
    },
  };
}
