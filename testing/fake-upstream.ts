/**
 * Test support: a fake model server that speaks a provider's streaming wire format (see
 * fake-openai.ts, fake-anthropic.ts) and plays a scenario per request: a normal answer (its
 * bytes cut inside a multi-byte character, with keep-alive comments), an HTTP error status, a
 * slow first token, a stream cut mid-answer, an error event mid-stream, a stall mid-answer
 * (the connection stays open), silence, or a rich answer (reasoning, text, then a tool call
 * whose JSON arguments are split over many chunks, and citations where the format has them).
 * It records
 * each request's body and whether the client went away before the end (an abort).
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type Scenario =
  | {
      kind: 'answer';
      tokens: string[];
      finish?: 'stop' | 'length';
      firstTokenDelayMs?: number;
      tokenDelayMs?: number;
    }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'cut'; tokens: string[] }
  | { kind: 'error-event'; tokens: string[] }
  | { kind: 'stall'; tokens: string[] }
  | { kind: 'silent' }
  | ({ kind: 'rich' } & RichAnswer);

/** A rich answer: reasoning pieces, text tokens, then optionally one tool call. */
export interface RichAnswer {
  reasoning: string[];
  tokens: string[];
  toolCall?: { id: string; name: string; argumentPieces: string[] };
  /** A URL the text cites (formats that have citations). */
  citation?: { url: string; title: string };
}

/** How one provider writes its stream. */
export interface WireFormat {
  path: string;
  /** The frames of a whole answer, in order (each a complete SSE frame). */
  answer(
    tokens: string[],
    finish: 'stop' | 'length',
  ): { head: string[]; token: (t: string) => string[]; tail: string[] };
  /** Every frame of a rich answer, in order. */
  richAnswer(answer: RichAnswer): string[];
  errorEvent(): string;
  errorBody(status: number): string;
  keepAlive: string;
}

export interface RecordedRequest {
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  /** True when the client closed the connection before the response ended. */
  aborted: boolean;
}

export interface FakeUpstream {
  url: string;
  /** Scenarios for the next requests, in order; when empty, `fallback` plays. */
  queue: Scenario[];
  fallback: Scenario;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes frames, splitting the bytes of the first multi-byte character across two writes. */
async function writeFrames(res: ServerResponse, frames: string[], delayMs = 0): Promise<void> {
  for (const frame of frames) {
    if (res.destroyed) return;
    const bytes = Buffer.from(frame);
    const multibyte = bytes.findIndex((b) => b >= 0xc0);
    if (multibyte > 0) {
      res.write(bytes.subarray(0, multibyte + 1));
      await sleep(1);
      res.write(bytes.subarray(multibyte + 1));
    } else {
      res.write(bytes);
    }
    if (delayMs) await sleep(delayMs);
  }
}

async function play(format: WireFormat, scenario: Scenario, res: ServerResponse): Promise<void> {
  if (scenario.kind === 'status') {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (scenario.retryAfter) headers['retry-after'] = scenario.retryAfter;
    res.writeHead(scenario.status, headers).end(format.errorBody(scenario.status));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
  if (scenario.kind === 'silent') return;
  if (scenario.kind === 'rich') {
    res.write(format.keepAlive);
    await writeFrames(res, format.richAnswer(scenario));
    return void res.end();
  }
  const tokens = scenario.tokens;
  const frames = format.answer(tokens, scenario.kind === 'answer' ? (scenario.finish ?? 'stop') : 'stop');
  res.write(format.keepAlive);
  await writeFrames(res, frames.head);
  if (scenario.kind === 'answer' && scenario.firstTokenDelayMs) await sleep(scenario.firstTokenDelayMs);
  const delay = scenario.kind === 'answer' ? scenario.tokenDelayMs : 0;
  for (const [i, token] of tokens.entries()) {
    if (scenario.kind !== 'answer' && i === Math.ceil(tokens.length / 2)) {
      if (scenario.kind === 'cut') {
        // Let the tokens already written leave first (a response's writes stay corked until
        // the next tick), so the cut really comes mid-answer; then drop the connection.
        await sleep(10);
        return void res.destroy();
      }
      if (scenario.kind === 'stall') return;
      await writeFrames(res, [format.errorEvent()]);
      return void res.end();
    }
    await writeFrames(res, frames.token(token), delay);
    if (i === 1) res.write(format.keepAlive);
  }
  await writeFrames(res, frames.tail);
  res.end();
}

export async function startFakeUpstream(format: WireFormat): Promise<FakeUpstream> {
  const fake: FakeUpstream = {
    url: '',
    queue: [],
    fallback: { kind: 'answer', tokens: ['Hello', ' from', ' the', ' fake', ' model', '. مرحبا', ' 👩🏽‍💻'] },
    requests: [],
    close: async () => {},
  };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => {
      raw += d;
    });
    req.on('end', () => {
      const recorded: RecordedRequest = {
        body: raw ? JSON.parse(raw) : {},
        headers: req.headers,
        aborted: false,
      };
      fake.requests.push(recorded);
      res.on('close', () => {
        if (!res.writableFinished) recorded.aborted = true;
      });
      if (!req.url?.startsWith(format.path)) return void res.writeHead(404).end(format.errorBody(404));
      void play(format, fake.queue.shift() ?? fake.fallback, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
