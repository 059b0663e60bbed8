/**
 * Test support: reads an SSE response over a raw `fetch`, parsing it with the protocol
 * parser, and collects typed events until the stream ends or a condition is met.
 * @module
 */
import { createParser, decodeStreamEvent, type StreamEvent } from '@tidewire/protocol';

export interface CollectOptions {
  headers?: Record<string, string>;
  method?: string;
  body?: string;
  /** Stop (abort the request) once this returns true. */
  until?: (event: StreamEvent, all: StreamEvent[]) => boolean;
  /** Keep ping events in the result. */
  keepPings?: boolean;
  signal?: AbortSignal;
  /** Fail (throw) when the stream has not ended after this long; default 30 s. */
  timeoutMs?: number;
}

export interface Collected {
  status: number;
  headers: Headers;
  events: StreamEvent[];
  /** The raw bytes received, decoded as UTF-8. */
  raw: string;
  /** True when the server ended the response (as opposed to `until` stopping it, or a cut). */
  ended: boolean;
  /** The network error when the connection was cut mid-stream. */
  cut?: Error;
}

export async function collectSSE(url: string, options: CollectOptions = {}): Promise<Collected> {
  const abort = new AbortController();
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = AbortSignal.any([abort.signal, timeout, ...(options.signal ? [options.signal] : [])]);
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    signal,
  });
  const events: StreamEvent[] = [];
  const decoder = new TextDecoder();
  let raw = '';
  let stop = false;
  const parser = createParser({
    onEvent(parsed) {
      const decoded = decodeStreamEvent(parsed);
      if (!decoded.ok) throw new Error(decoded.message);
      if (decoded.event.event === 'ping' && !options.keepPings) return;
      events.push(decoded.event);
      if (options.until?.(decoded.event, events)) stop = true;
    },
  });
  if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
    return {
      status: response.status,
      headers: response.headers,
      events,
      raw: await response.text(),
      ended: true,
    };
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { status: response.status, headers: response.headers, events, raw, ended: true };
      raw += decoder.decode(value, { stream: true });
      parser.feed(value);
      if (stop) {
        abort.abort();
        return { status: response.status, headers: response.headers, events, raw, ended: false };
      }
    }
  } catch (error) {
    if (timeout.aborted) throw new Error(`stream did not end within the timeout: ${url}`);
    // A connection cut mid-stream (or stopped by `until`): what arrived, not ended.
    return {
      status: response.status,
      headers: response.headers,
      events,
      raw,
      ended: false,
      cut: !stop && !signal.aborted ? (error as Error) : undefined,
    };
  }
}

/** The answer text: every `delta.text` in order. */
export function answerOf(events: StreamEvent[]): string {
  return events.map((e) => (e.event === 'delta' ? e.data.text : '')).join('');
}

/** The `reason` of the stream's `done` event, if it has one. */
export function doneReason(events: StreamEvent[]): string | undefined {
  const done = events.findLast((e) => e.event === 'done');
  return done?.event === 'done' ? done.data.reason : undefined;
}

/** The `type` of the stream's last `error` event, if it has one. */
export function errorType(events: StreamEvent[]): string | undefined {
  const error = events.findLast((e) => e.event === 'error');
  return error?.event === 'error' ? error.data.type : undefined;
}
