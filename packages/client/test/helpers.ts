/**
 * Test support for the client: run a consumer to its end recording what its handlers saw,
 * and tiny `node:http` servers that answer with one scripted shape per request.
 * @module
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type ConsumerState, SSEConsumer, type SSEConsumerOptions, type StreamError } from '../src/index.ts';

/** Fast reconnects so tests that retry stay short. */
export const FAST = { reconnectDelay: 5, maxReconnectDelay: 20 };

export interface Consumed {
  consumer: SSEConsumer;
  /** `seq` of every delta handled, in order. */
  seqs: number[];
  errors: StreamError[];
  states: { state: ConsumerState; attempt: number; transport?: string }[];
  /** What `onComplete` received, if it was called. */
  complete: string | undefined;
}

/** Runs a consumer until `connect()` resolves. */
export async function consume(url: string, options: SSEConsumerOptions = {}): Promise<Consumed> {
  const seqs: number[] = [];
  const errors: StreamError[] = [];
  const states: Consumed['states'] = [];
  let complete: string | undefined;
  const consumer = new SSEConsumer(url, {
    ...FAST,
    ...options,
    onDelta: (_, e) => seqs.push(e.seq!),
    onComplete: (text) => {
      complete = text;
    },
    onError: (e) => errors.push(e),
    onStateChange: (state, info) => states.push({ state, attempt: info.attempt, transport: info.transport }),
  });
  await consumer.connect();
  return { consumer, seqs, errors, states, complete };
}

export interface TinyServer {
  url: string;
  /** Requests received so far. */
  requests: () => number;
  /** What each request was: `METHOD path last-event-id`. */
  seen: string[];
  close(): void;
}

/** A server that answers request number `n` (from 0) with `handler`. */
export async function tinyServer(
  handler: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<TinyServer> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers['last-event-id'] ?? ''}`.trim());
    handler(req, res, seen.length - 1);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests: () => seen.length,
    seen,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Starts an event-stream response. */
export function sseHead(res: ServerResponse): ServerResponse {
  return res.writeHead(200, { 'content-type': 'text/event-stream' });
}
