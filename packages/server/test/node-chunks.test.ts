/**
 * The Node path writes each batch of frames as one chunk of the chunked body straight to the
 * socket, once the headers are out. These tests read the raw bytes: every chunk's size is its
 * length in UTF-8 (multi-byte text included), the body ends with the last chunk, and the path
 * steps aside where writing to the socket would be wrong: a wrapped `res.write` (compression
 * middleware), an HTTP/1.0 client (no chunked body), a pipelined response waiting its turn.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { type TestContext, test } from 'node:test';
import type { EventDataMap } from '@tidewire/protocol';
import { MemoryStreamStore, type Stream, StreamEngine } from '../src/index.ts';
import { writeSSE } from '../src/node/index.ts';
import { countWrites } from './fixtures.ts';

const MULTI_BYTE = 'مرحبا 👋🏽 你好 — ok';

/** An engine with one open stream; `logText()` is its whole log as stored. */
async function engineWithStream(t: TestContext) {
  const store = new MemoryStreamStore();
  const engine = new StreamEngine<EventDataMap, null>({ store, heartbeatMs: 0 });
  const stream = await engine.start({ meta: null });
  t.after(() => engine.close());
  const logText = async () => (await store.read(stream.id))!.frames.join('');
  return { stream, logText };
}

/** A server answering every request with `writeSSE` of a reader from the stream's start. */
async function serve(
  t: TestContext,
  stream: Stream<EventDataMap, null>,
  before?: (res: ServerResponse) => void,
) {
  const server = createServer((_req, res) => {
    before?.(res);
    writeSSE(stream.reader(0), res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Sends `request` raw. `arrived` resolves once the first bytes came back; `all` with every byte
 * the server sent until it closed or `until` matched.
 */
function rawExchange(port: number, request: string, until?: (bytes: Buffer) => boolean) {
  const socket = connect(port, '127.0.0.1', () => socket.write(request));
  const arrived = once(socket, 'data');
  const all = new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    const finish = () => {
      socket.destroy();
      resolve(Buffer.concat(parts));
    };
    socket.on('data', (data: Buffer) => {
      parts.push(data);
      if (until?.(Buffer.concat(parts))) finish();
    });
    socket.on('end', finish);
    socket.on('error', reject);
  });
  return { arrived, all };
}

/** Splits raw response bytes into head and body (bytes). */
function split(raw: Buffer): { head: string; body: Buffer } {
  const at = raw.indexOf('\r\n\r\n');
  return { head: raw.subarray(0, at).toString('latin1'), body: raw.subarray(at + 4) };
}

/** Decodes a chunked body strictly: each size must be the exact byte count of its data. */
function dechunk(body: Buffer): { chunks: string[]; ended: boolean; rest: Buffer } {
  const chunks: string[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) return { chunks, ended: false, rest: body.subarray(at) };
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    assert.ok(Number.isInteger(size), `a chunk size line at byte ${at}`);
    const start = lineEnd + 2;
    if (size === 0) return { chunks, ended: true, rest: body.subarray(start + 2) };
    assert.equal(
      body.subarray(start + size, start + size + 2).toString('latin1'),
      '\r\n',
      'chunk ends where its size says',
    );
    chunks.push(body.subarray(start, start + size).toString('utf8'));
    at = start + size + 2;
  }
}

const ends = (text: string) => (bytes: Buffer) => bytes.includes(text);

test('each chunk on the socket is as long as its UTF-8 bytes, one write each; the last chunk and the body end go in one', async (t) => {
  const { stream, logText } = await engineWithStream(t);
  stream.emit('progress', { id: 'p', pct: 1, note: MULTI_BYTE });
  let writes = { count: 0 };
  const port = await serve(t, stream, (res) => {
    writes = countWrites(res.socket!);
  });
  const reading = rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', ends('0\r\n\r\n'));
  await reading.arrived; // the headers and first events are out: the rest are later writes
  stream.emit('progress', { id: 'p', pct: 2, note: MULTI_BYTE.repeat(3) });
  await new Promise((r) => setImmediate(r));
  await stream.end('stop', { tokens: 0 });
  const { head, body } = split(await reading.all);
  assert.match(head, /transfer-encoding: chunked/i);
  const { chunks, ended } = dechunk(body);
  assert.ok(ended, 'the body ended with the zero-length chunk');
  assert.ok(chunks.length >= 2, 'the events went out in more than one chunk');
  const text = chunks.join('');
  assert.equal(text, await logText(), 'byte for byte the log');
  assert.equal(text.split(MULTI_BYTE).length - 1, 4);
  assert.equal(writes.count, 3, 'headers with the first events; the later event; done with the body end');
});

test('a wrapped res.write (a compression middleware) sees every byte of the body', async (t) => {
  const { stream, logText } = await engineWithStream(t);
  stream.emit('progress', { id: 'p', pct: 1, note: MULTI_BYTE });
  let seen = '';
  const port = await serve(t, stream, (res) => {
    const write = res.write.bind(res) as (chunk: string) => boolean;
    res.write = ((chunk: string) => {
      seen += chunk;
      return write(chunk);
    }) as ServerResponse['write'];
  });
  const reading = rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', ends('0\r\n\r\n'));
  await reading.arrived;
  stream.emit('progress', { id: 'p', pct: 2, note: 'later' });
  await stream.end('stop', { tokens: 0 });
  const { chunks } = dechunk(split(await reading.all).body);
  assert.equal(seen, chunks.join(''), 'everything on the wire went through the wrapper');
  assert.equal(seen, await logText(), 'the whole log');
});

test('an HTTP/1.0 client gets the events unframed, then the connection closes', async (t) => {
  const { stream, logText } = await engineWithStream(t);
  stream.emit('progress', { id: 'p', pct: 1, note: MULTI_BYTE });
  const port = await serve(t, stream);
  const reading = rawExchange(port, 'GET / HTTP/1.0\r\nHost: x\r\n\r\n');
  await reading.arrived;
  stream.emit('progress', { id: 'p', pct: 2, note: 'later' });
  await stream.end('stop', { tokens: 0 });
  const { head, body } = split(await reading.all);
  assert.doesNotMatch(head, /transfer-encoding/i);
  assert.equal(body.toString('utf8'), await logText());
});

test('a pipelined second request gets its whole response after the first one ends', async (t) => {
  const { stream, logText } = await engineWithStream(t);
  stream.emit('progress', { id: 'p', pct: 1, note: MULTI_BYTE });
  const port = await serve(t, stream);
  const request = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
  let done = 0;
  const reading = rawExchange(port, request + request, (bytes) => {
    done = bytes.toString('latin1').split('0\r\n\r\n').length - 1;
    return done === 2;
  });
  await reading.arrived;
  stream.emit('progress', { id: 'p', pct: 2, note: 'later' });
  await stream.end('stop', { tokens: 0 });
  const raw = await reading.all;
  const log = await logText();
  const first = split(raw);
  const one = dechunk(first.body);
  assert.ok(one.ended);
  assert.equal(one.chunks.join(''), log, 'the first response whole');
  const second = split(one.rest);
  assert.match(second.head, /^HTTP\/1\.1 200/);
  const two = dechunk(second.body);
  assert.ok(two.ended);
  assert.equal(two.chunks.join(''), log, 'the second response whole, after the first');
});

test('through a wrapped res.write, a 3 MB replay is paced by the response’s own drain and arrives whole', async (t) => {
  const { stream, logText } = await engineWithStream(t);
  const note = 'n'.repeat(1000);
  for (let i = 0; i < 3000; i++) stream.emit('progress', { id: 'p', pct: i % 100, note });
  await stream.end('stop', { tokens: 0 });
  let wrapped = 0;
  const port = await serve(t, stream, (res) => {
    const write = res.write.bind(res) as (chunk: string) => boolean;
    res.write = ((chunk: string) => {
      wrapped += chunk.length;
      return write(chunk);
    }) as ServerResponse['write'];
  });
  const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  const log = await logText();
  assert.ok(log.length > 3_000_000);
  assert.equal(text, log, 'all of it, in order');
  assert.equal(wrapped, log.length, 'every byte through the wrapper');
});
