/**
 * Loaded into a server process by the serving-cost bench (`--import`): times each request from
 * the server's `request` event to its response head (`writeHead`), inside the server, so the
 * bench can tell the server's own latency from the time a request spends before the server
 * reads it or in a CPU-starved load client. On SIGUSR2 it writes the times since the last
 * SIGUSR2 (JSON array, ms) to `${TW_HEAD_TIMES}-${pid}` (whole: written aside, then renamed)
 * and starts again.
 */
import { renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';

const times = [];
const arrived = Symbol('arrived');

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request') res[arrived] = performance.now();
  return emit.apply(this, arguments);
};
const writeHead = http.ServerResponse.prototype.writeHead;
http.ServerResponse.prototype.writeHead = function () {
  if (this[arrived] !== undefined && !this.headersSent) times.push(performance.now() - this[arrived]);
  return writeHead.apply(this, arguments);
};
process.on('SIGUSR2', () => {
  const file = `${process.env.TW_HEAD_TIMES}-${process.pid}`;
  writeFileSync(`${file}.part`, JSON.stringify(times));
  renameSync(`${file}.part`, file);
  times.length = 0;
});
