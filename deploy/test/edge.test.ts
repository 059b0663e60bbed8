/**
 * The edge entries, bundled as they would be deployed, running in the real runtimes that can
 * run here: the Cloudflare Worker in workerd (miniflare) and the Vercel Edge function in
 * Vercel's edge-runtime. A stream runs to `done` with the demo answer, a resume with
 * Last-Event-ID continues it in the same isolate, and bad input gets the contract's errors.
 * The Worker's WebSocket route is edge-websocket.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { EdgeRuntime, runServer } from 'edge-runtime';
import { Miniflare } from 'miniflare';
import { demoAnswer } from '../../apps/gateway/src/models/demo-answer.ts';
import { answerOf, collectSSE } from '../../testing/sse-client.ts';
import { bundleEdge } from '../bundle.ts';

let bundles: Awaited<ReturnType<typeof bundleEdge>>;
before(async () => {
  bundles = await bundleEdge();
});

/** What a bundle loads from outside: top-level `import`s, and any `node:` module it loads. */
const EXTERNAL_IMPORT =
  /^import\b[^;]*?["']([^"']+)["']|(?:\bfrom|\bimport\s*\(|\brequire\s*\()\s*["'](node:[^"']+)["']/gm;

function externalImports(code: string): string[] {
  return [...code.matchAll(EXTERNAL_IMPORT)].map((m) => m[1] ?? m[2]!);
}

test('the bundles are self-contained: no node: (or any other) imports', () => {
  for (const [name, path] of Object.entries(bundles)) {
    const imports = externalImports(readFileSync(path, 'utf8'));
    assert.deepEqual(imports, [], `${name} imports ${imports.join(', ')}`);
  }
  // The pattern does find them, so the empty lists above mean something.
  const sample = [
    "import { Hono } from 'hono';",
    'const { setTimeout: sleep } = await import("node:timers/promises");',
    '  x = require("node:fs");',
  ].join('\n');
  assert.deepEqual(externalImports(sample), ['hono', 'node:timers/promises', 'node:fs']);
});

/** The behaviour both runtimes must show, against a base URL that reaches the entry. */
function edgeContract(baseUrl: () => string) {
  test('a stream runs to done with the demo answer, first event with retry', async () => {
    const { events, raw, headers } = await collectSSE(
      `${baseUrl()}/api/v1/stream/chat?q=${encodeURIComponent('at the edge')}`,
    );
    assert.equal(headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.match(raw, /^id: [0-9a-f-]{36}:1\nevent: hello\nretry: 1000\n/);
    assert.equal(answerOf(events), demoAnswer('at the edge'));
    assert.equal(events.at(-1)?.event, 'done');
  });

  test('a resume with Last-Event-ID continues the stream exactly', async () => {
    const q = 'resume at the edge';
    const first = await collectSSE(`${baseUrl()}/api/v1/stream/chat?q=${encodeURIComponent(q)}`, {
      until: (_, all) => all.length >= 5,
    });
    const last = first.events.at(-1)!;
    const rest = await collectSSE(`${baseUrl()}/api/v1/stream/chat`, {
      headers: { 'last-event-id': `${last.streamId}:${last.seq}` },
    });
    assert.equal(rest.events[0]?.seq, last.seq! + 1);
    assert.equal(answerOf([...first.events, ...rest.events]), demoAnswer(q));
  });

  test('bad input gets the contract errors', async () => {
    const missing = await fetch(`${baseUrl()}/api/v1/stream/chat`);
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { error: { type: string } }).error.type, 'missing_question');
    const unknown = await fetch(`${baseUrl()}/api/v1/streams/01a20000-0000-7000-8000-000000000000`);
    assert.equal(unknown.status, 404);
    assert.equal((await fetch(`${baseUrl()}/healthz`)).status, 200);
  });
}

describe('Cloudflare Worker in workerd (miniflare)', () => {
  let mf: Miniflare;
  let url: string;
  before(async () => {
    mf = new Miniflare({
      modules: true,
      scriptPath: bundles['cloudflare-worker'],
      compatibilityDate: '2026-04-01',
      bindings: { DEMO_TOKENS_PER_SEC: '300', SSE_HEARTBEAT_MS: '1000' },
      host: '127.0.0.1',
      port: 0,
    });
    url = (await mf.ready).href.replace(/\/$/, '');
  });
  after(() => mf.dispose());
  edgeContract(() => url);
});

/** The Vercel bundle in Vercel's edge-runtime on a loopback port, with `env` as its variables. */
async function runVercel(env: Record<string, string>) {
  // edge-runtime evaluates scripts, not modules: turn the bundle's export into a fetch listener.
  const code = readFileSync(bundles['vercel-edge'], 'utf8').replace(
    /export \{ config, handler as default \};\s*$/,
    'addEventListener("fetch", (event) => event.respondWith(handler(event.request)));',
  );
  assert.ok(code.includes('addEventListener("fetch"'), 'the bundle ends with its default export');
  const runtime = new EdgeRuntime({
    initialCode: code,
    extend: (context) => Object.assign(context, { process: { env } }),
  });
  return runServer({ runtime, host: '127.0.0.1', port: 0 });
}

describe('Vercel Edge function in edge-runtime', () => {
  let server: Awaited<ReturnType<typeof runServer>>;
  before(async () => {
    server = await runVercel({ DEMO_TOKENS_PER_SEC: '300', STREAM_RETENTION_MS: '500' });
  });
  after(() => server.close());
  edgeContract(() => server.url.replace(/\/$/, ''));

  test('has no WebSocket server: /api/v1/ws is a 404 that says so', async () => {
    // fetch refuses Upgrade headers: a WebSocket client's handshake, by hand.
    const response = await new Promise<IncomingMessage>((resolve, reject) =>
      request(`${server.url.replace(/\/$/, '')}/api/v1/ws`, {
        headers: {
          upgrade: 'websocket',
          connection: 'Upgrade',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
        },
      })
        .on('response', resolve)
        .on('error', reject)
        .end(),
    );
    assert.equal(response.statusCode, 404);
    const body = Buffer.concat(await response.toArray()).toString();
    const { error } = JSON.parse(body) as { error: { type: string; message: string } };
    assert.equal(error.type, 'not_found');
    assert.match(error.message, /no WebSocket server.*SSE/);
  });
});

describe('connection limits at the edge count each client by the address its platform saw', () => {
  /** Holds streams open from given addresses; `end()` cancels their generations and closes them. */
  function streamsOf(url: string, header: string) {
    const held: { abort: AbortController; streamId: string }[] = [];
    return {
      /** Opens a stream from `ip` (in the platform's header) and holds it; its status. */
      async open(ip: string): Promise<number> {
        const abort = new AbortController();
        const res = await fetch(`${url}/api/v1/stream/chat?q=held`, {
          headers: { [header]: ip },
          signal: abort.signal,
        });
        if (res.status !== 200) {
          await res.body?.cancel();
          return res.status;
        }
        const reader = res.body!.getReader();
        const first = new TextDecoder().decode((await reader.read()).value);
        held.push({ abort, streamId: /^id: ([^:\n]+):/m.exec(first)![1]! });
        return res.status;
      },
      async end() {
        for (const { abort, streamId } of held) {
          await fetch(`${url}/api/v1/streams/${streamId}/cancel`, { method: 'POST' });
          abort.abort();
        }
      },
    };
  }

  test('Vercel: x-real-ip', async () => {
    const server = await runVercel({
      DEMO_TOKENS_PER_SEC: '0.01',
      MAX_CONNECTIONS_PER_IP: '1',
      STREAM_RETENTION_MS: '500',
    });
    const streams = streamsOf(server.url.replace(/\/$/, ''), 'x-real-ip');
    try {
      assert.equal(await streams.open('203.0.113.7'), 200);
      assert.equal(await streams.open('198.51.100.9'), 200, 'another client is not refused');
      assert.equal(await streams.open('203.0.113.7'), 429, 'the same client is');
    } finally {
      await streams.end();
      await server.close();
    }
  });
});
