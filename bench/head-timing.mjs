/**
 * Loaded into a server process by the serving-cost bench (`--import`): times each request,
 * inside the server, from its `request` event to its response head (`writeHead`) and to the
 * first write of the model's output (a `delta` or `reasoning` event going to the socket), so
 * the bench can tell the server's own latency from the time a request spends before the server
 * reads it or in a CPU-starved load client. On SIGUSR2 it writes the times since the last
 * SIGUSR2 (JSON `{ head, output }`, arrays of ms) to `${TW_HEAD_TIMES}-${pid}` (whole: written
 * aside, then renamed) and starts again.
 */
import { renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const times = { head: [], output: [] };
/** On a socket: when its current request arrived; cleared once its first output is written. */
const arrived = Symbol('arrived');

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req) {
  if (event === 'request' && req.socket) req.socket[arrived] = performance.now();
  return emit.apply(this, arguments);
};
const writeHead = http.ServerResponse.prototype.writeHead;
http.ServerResponse.prototype.writeHead = function () {
  const since = this.socket?.[arrived];
  if (since !== undefined && !this.headersSent) times.head.push(performance.now() - since);
  return writeHead.apply(this, arguments);
};
// Servers write events to the socket through `res.write` (plain) or directly (the gateway).
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (chunk) {
  const since = this[arrived];
  if (since !== undefined && typeof chunk === 'string' && /^event: (delta|reasoning)$/m.test(chunk)) {
    times.output.push(performance.now() - since);
    this[arrived] = undefined;
  }
  return write.apply(this, arguments);
};
process.on('SIGUSR2', () => {
  const file = `${process.env.TW_HEAD_TIMES}-${process.pid}`;
  writeFileSync(`${file}.part`, JSON.stringify(times));
  renameSync(`${file}.part`, file);
  times.head.length = 0;
  times.output.length = 0;
});
