/**
 * A writer process for the crash test of the durable store: creates a stream in the file named
 * by argv[2], follows it, and appends frames a few per tick until it is killed. It prints
 * `delivered SEQ` each time its reader is given frames, so its parent knows what a client saw.
 * After each append the process stalls a while (a busy event loop) before the tick's flush can
 * run, so a kill usually lands while a batch is appended but not yet written.
 * Run with `--conditions=tidewire-source`.
 */
import { DurableStreamStore } from '../src/durable/index.ts';

const [path, streamId] = process.argv.slice(2) as [string, string];
const store = new DurableStreamStore({ path });
await store.create({ streamId, createdAt: Date.now(), meta: {} });
store.follow(streamId, 0, {
  onFrames: (_frames, lastSeq) => process.stdout.write(`delivered ${lastSeq}\n`),
  onEnd: () => process.stdout.write('ended\n'),
  onError: (error) => process.stdout.write(`error ${error.message}\n`),
});

const crashFrame = (seq: number) => `id: ${streamId}:${seq}\nevent: delta\ndata: {"text":"${seq} ✓"}\n\n`;

const stall = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

let seq = 0;
const timer = setInterval(() => {
  for (let k = 0; k < 3; k++) void store.append(streamId, ++seq, crashFrame(seq));
  stall(20);
  if (seq >= 3_000) clearInterval(timer); // bounded: the parent kills it long before
}, 1);
