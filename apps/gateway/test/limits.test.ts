/**
 * Every limit trips: new streams per minute (resumes exempt), concurrent generations per
 * user, open connections per IP, and the slow-loris header timeout. (Body size and question
 * length are in bad-input.test.ts.)
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { startTestGateway, TEST_ENV } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import { ConfigError, loadConfig } from '../src/config.ts';

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { type: string } }).error.type;
}

test('RATE_LIMIT_PER_MIN: the next new stream gets 429 rate_limited with Retry-After; resumes still work', async () => {
  const gateway = await startTestGateway({ RATE_LIMIT_PER_MIN: '3' });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await collectSSE(`${gateway.url}/api/v1/stream/chat?q=r${i}`)).events[0]!.streamId!);
    const refused = await fetch(`${gateway.url}/api/v1/stream/chat?q=one+too+many`);
    assert.equal(refused.status, 429);
    assert.equal(await errorOf(refused), 'rate_limited');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    for (const id of ids) {
      const resumed = await collectSSE(`${gateway.url}/api/v1/stream/chat`, {
        headers: { 'last-event-id': `${id}:2` },
      });
      assert.equal(resumed.status, 200, 'resumes never count');
    }
  } finally {
    await gateway.shutdown();
  }
});

test('MAX_STREAMS_PER_USER: a third concurrent generation gets 429 too_many_streams, freed when one ends', async () => {
  const gateway = await startTestGateway({ MAX_STREAMS_PER_USER: '2', DEMO_TOKENS_PER_SEC: '40' });
  try {
    const a = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=a`, { until: () => true });
    await collectSSE(`${gateway.url}/api/v1/stream/chat?q=b`, { until: () => true });
    const refused = await fetch(`${gateway.url}/api/v1/stream/chat?q=c`);
    assert.equal(refused.status, 429);
    assert.equal(await errorOf(refused), 'too_many_streams');
    assert.ok(refused.headers.get('retry-after'));
    await fetch(`${gateway.url}/api/v1/streams/${a.events[0]!.streamId}/cancel`, { method: 'POST' });
    let admitted = 0;
    for (let i = 0; i < 40 && admitted !== 200; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      admitted = (await collectSSE(`${gateway.url}/api/v1/stream/chat?q=c`, { until: () => true })).status;
    }
    assert.equal(admitted, 200, 'the cancelled stream gave its slot back');
  } finally {
    await gateway.shutdown();
  }
});

test('a start refused by a limit is one limit hit in the metrics', async () => {
  const gateway = await startTestGateway({ RATE_LIMIT_PER_MIN: '1' });
  try {
    assert.equal((await collectSSE(`${gateway.url}/api/v1/stream/chat?q=first`)).status, 200);
    const refused = await fetch(`${gateway.url}/api/v1/stream/chat?q=second`);
    assert.equal(refused.status, 429);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(metrics, /tidewire_limit_hits_total\{limit="rate"\} 1\n/);
  } finally {
    await gateway.shutdown();
  }
});

test('MAX_CONNECTIONS_PER_IP: a third open stream connection gets 429 too_many_connections', async () => {
  const gateway = await startTestGateway({ MAX_CONNECTIONS_PER_IP: '2', DEMO_TOKENS_PER_SEC: '20' });
  const open: AbortController[] = [];
  try {
    const first = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=hold`, { until: () => true });
    const id = first.events[0]!.streamId!;
    for (let i = 0; i < 2; i++) {
      const abort = new AbortController();
      open.push(abort);
      const res = await fetch(`${gateway.url}/api/v1/streams/${id}`, { signal: abort.signal });
      assert.equal(res.status, 200);
    }
    const refused = await fetch(`${gateway.url}/api/v1/streams/${id}`);
    assert.equal(refused.status, 429);
    assert.equal(await errorOf(refused), 'too_many_connections');
    open.pop()!.abort();
    await new Promise((r) => setTimeout(r, 100));
    const again = await fetch(`${gateway.url}/api/v1/streams/${id}`, {
      signal: AbortSignal.timeout(2000),
    }).catch(() => undefined);
    assert.equal(again?.status, 200, 'a closed connection frees its place');
    await again?.body?.cancel();
  } finally {
    for (const a of open) a.abort();
    await gateway.shutdown();
  }
});

/**
 * Opens a raw connection, writes `head` at once, then drips `drip` one byte every 50 ms;
 * resolves with what the server answered and how long until it closed the connection.
 */
async function slowClient(
  url: string,
  head: string,
  drip: string,
): Promise<{ received: string; ms: number }> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  const began = Date.now();
  let received = '';
  socket.on('data', (d) => {
    received += d;
  });
  socket.on('error', () => {});
  socket.write(head);
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < drip.length && !socket.destroyed) socket.write(drip[sent++]!);
  }, 50);
  const deadline = setTimeout(() => socket.destroy(), 10_000);
  await new Promise((resolve) => socket.on('close', resolve));
  clearInterval(timer);
  clearTimeout(deadline);
  return { received, ms: Date.now() - began };
}

const FOREVER = 'x'.repeat(1000);

test('slow-loris: headers sent one byte at a time are cut off after HEADERS_TIMEOUT_MS', async () => {
  const gateway = await startTestGateway({ HEADERS_TIMEOUT_MS: '600' });
  try {
    const { received, ms } = await slowClient(
      gateway.url,
      'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ',
      FOREVER,
    );
    assert.ok(ms < 5000, `closed after ${ms} ms`);
    assert.ok(received === '' || received.startsWith('HTTP/1.1 408'), received);
    const idle = await slowClient(gateway.url, '', '');
    assert.ok(idle.ms < 5000, `a connection that sends nothing is closed after ${idle.ms} ms`);
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200, 'a normal request still works');
  } finally {
    await gateway.shutdown();
  }
});

test('slow-loris: a body sent one byte at a time is cut off after REQUEST_TIMEOUT_MS', async () => {
  const gateway = await startTestGateway({ HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '800' });
  try {
    const head =
      'POST /api/v1/stream/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n';
    const { received, ms } = await slowClient(gateway.url, head, FOREVER);
    assert.ok(ms < 5000, `closed after ${ms} ms`);
    assert.ok(!received.includes('text/event-stream'), 'no stream was started');
    assert.ok(received === '' || received.startsWith('HTTP/1.1 408'), received);
  } finally {
    await gateway.shutdown();
  }
});

test('HEADERS_TIMEOUT_MS longer than REQUEST_TIMEOUT_MS is a configuration error naming both', () => {
  assert.throws(
    () => loadConfig({ ...TEST_ENV, HEADERS_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '30000' }),
    (error: Error) =>
      error instanceof ConfigError && /HEADERS_TIMEOUT_MS.*REQUEST_TIMEOUT_MS/.test(error.message),
  );
});

test('TRUST_PROXY: the rate counts the address the proxy saw, not what a client puts in X-Forwarded-For', async () => {
  const gateway = await startTestGateway({ RATE_LIMIT_PER_MIN: '2', TRUST_PROXY: 'true' });
  try {
    const from = (spoof: string, real: string) => ({ headers: { 'x-forwarded-for': `${spoof}, ${real}` } });
    for (const spoof of ['1.1.1.1', '2.2.2.2'])
      assert.equal(
        (await collectSSE(`${gateway.url}/api/v1/stream/chat?q=${spoof}`, from(spoof, '10.0.0.7'))).status,
        200,
      );
    const refused = await fetch(`${gateway.url}/api/v1/stream/chat?q=again`, from('3.3.3.3', '10.0.0.7'));
    assert.equal(refused.status, 429, 'a forged first address does not get a fresh allowance');
    assert.equal(await errorOf(refused), 'rate_limited');
    const other = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=other`, from('3.3.3.3', '10.0.0.8'));
    assert.equal(other.status, 200, 'another client has its own allowance');
  } finally {
    await gateway.shutdown();
  }
});
