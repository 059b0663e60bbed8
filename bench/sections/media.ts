/**
 * Issue 14's benchmark: how soon a media stream gives something to show or play, and what a
 * running image task costs. Time from request to the first `preview` (an image) and the first
 * `audio` chunk, with the demo providers and through a fake OpenAI-compatible upstream that
 * answers at once; for the upstream, the same first image or first sentence's audio read
 * straight from it, so the difference is what the gateway adds (storing the bytes as an
 * artifact, the event, the stream). Memory: the gateway's RSS with image tasks running.
 * @module
 */
import { readFileSync } from 'node:fs';
import { startFakeMedia } from '../../testing/fake-media.ts';
import { spawnGateway } from '../../testing/gateway.ts';
import { f } from './format.ts';
import { percentiles, timeToFirst } from './provider-latency.ts';

export interface MediaBenchOptions {
  /** Requests per figure (one at a time). */
  count: number;
  /** Image tasks run at once for the memory figure. */
  tasks: number;
}

const json = (body: object): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

async function sample(count: number, run: () => Promise<number>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < count + 2; i++) {
    const ms = await run();
    if (i >= 2) times.push(ms);
  }
  return percentiles(times);
}

/** Resident memory of a process (kB → MiB), from /proc. */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(line?.[1] ?? 0) / 1024;
}

async function imageMemory(tasks: number): Promise<{ base: number; running: number; kept: number }> {
  const gateway = await spawnGateway({ DEMO_IMAGE_STEP_MS: '400' });
  try {
    const pid = gateway.child.pid!;
    await timeToFirst(`${gateway.url}/api/v1/stream/image`, json({ prompt: 'warm-up' }), (e) => e === 'done');
    const base = rssMiB(pid);
    let peak = base;
    const watch = setInterval(() => {
      peak = Math.max(peak, rssMiB(pid));
    }, 50);
    await Promise.all(
      Array.from({ length: tasks }, (_, k) =>
        timeToFirst(`${gateway.url}/api/v1/stream/image`, json({ prompt: `task ${k}` }), (e) => e === 'done'),
      ),
    );
    clearInterval(watch);
    return { base, running: peak, kept: rssMiB(pid) };
  } finally {
    await gateway.stop();
  }
}

export async function mediaSection({ count, tasks }: MediaBenchOptions): Promise<string> {
  const fake = await startFakeMedia();
  const demo = await spawnGateway({ DEMO_IMAGE_STEP_MS: '0' });
  const upstream = await spawnGateway({
    IMAGE_PROVIDER: 'openai',
    IMAGE_BASE_URL: fake.url,
    TTS_PROVIDER: 'openai',
    TTS_BASE_URL: fake.url,
  });
  const prompt = { prompt: 'a lighthouse at night' };
  const text = { text: 'The tide is coming in. It will be high at noon.' };
  const first = (name: string) => (event: string) => event === name;
  let rows: string[];
  try {
    const demoImage = await sample(count, () =>
      timeToFirst(`${demo.url}/api/v1/stream/image`, json(prompt), first('preview')),
    );
    const demoAudio = await sample(count, () =>
      timeToFirst(`${demo.url}/api/v1/stream/tts`, json(text), first('audio')),
    );
    const directImage = await sample(count, () =>
      timeToFirst(
        `${fake.url}/images/generations`,
        json({ ...prompt, stream: true, partial_images: 2 }),
        first('image_generation.partial_image'),
      ),
    );
    const viaImage = await sample(count, () =>
      timeToFirst(`${upstream.url}/api/v1/stream/image`, json(prompt), first('preview')),
    );
    const directAudio = await sample(count, () =>
      timeToFirst(
        `${fake.url}/audio/speech`,
        json({ input: 'The tide is coming in.', stream_format: 'sse' }),
        first('speech.audio.done'),
      ),
    );
    const viaAudio = await sample(count, () =>
      timeToFirst(`${upstream.url}/api/v1/stream/tts`, json(text), first('audio')),
    );
    const row = (what: string, t: { p50: number; p99: number }) =>
      `| ${what} | ${f(t.p50, 1)} | ${f(t.p99, 1)} |`;
    const added = (a: { p50: number; p99: number }, b: { p50: number; p99: number }) => ({
      p50: b.p50 - a.p50,
      p99: b.p99 - a.p99,
    });
    rows = [
      row('demo image (384×384 PNG, coarsest step) → first `preview`', demoImage),
      row('demo speech (eSpeak NG WebAssembly, first sentence) → first `audio`', demoAudio),
      row('fake upstream directly → first `partial_image`', directImage),
      row('through the gateway → first `preview`', viaImage),
      row('added by the gateway (image)', added(directImage, viaImage)),
      row('fake upstream directly → first sentence `speech.audio.done`', directAudio),
      row('through the gateway → first `audio`', viaAudio),
      row('added by the gateway (speech)', added(directAudio, viaAudio)),
    ];
  } finally {
    await demo.stop();
    await upstream.stop();
    await fake.close();
  }
  const memory = await imageMemory(tasks);
  return [
    '## Media: first preview, first audio chunk, memory per image task',
    '',
    `Time from request to the first image or audio chunk a client can show or play, ${count} requests one at a time per row (after 2 warm-ups). The fake OpenAI-compatible upstream (loopback) answers at once with ~3 kB images and ~5 kB audio; the gateway stores each as an artifact (memory store) before the event names it. The demo image has no pause between steps here (\`DEMO_IMAGE_STEP_MS=0\`), so its row is rendering and PNG encoding.`,
    '',
    '| path | p50 (ms) | p99 (ms) |',
    '|---|---|---|',
    ...rows,
    '',
    `Memory: ${tasks} demo image tasks (384×384, 6 steps 400 ms apart) at once on one gateway: RSS ${f(memory.base, 1)} MiB before, ${f(memory.running, 1)} MiB at the peak, ${f(memory.kept, 1)} MiB after (their previews kept for the retention time): about ${f(((memory.running - memory.base) * 1024) / tasks, 0)} KiB per running task.`,
    '',
  ].join('\n');
}
