/**
 * Image tasks on the page: `/image PROMPT` starts a `POST /api/v1/stream/image` stream whose
 * `progress` moves a bar and whose `preview`s replace one picture in place as it sharpens. The
 * running task (its stream, last event, progress and latest preview) stays in sessionStorage:
 * after a reload or a cut the bar keeps its value, the latest preview shows at once, and the
 * stream goes on from the event after the last one seen.
 * @module
 */
import { signal } from '@preact/signals';
import { SSEConsumer } from '@tidewire/client';
import { cancelStream } from './api.ts';
import { read, write } from './running-stream.ts';

export interface ImageTask {
  key: string;
  prompt: string;
  streamId?: string;
  /** The last event seen (a resume goes on after it). */
  seq: number;
  pct: number;
  note?: string;
  /** The latest preview shown (loaded before it replaces the previous one). */
  preview?: string;
  final: boolean;
  status: 'running' | 'done' | 'cancelled' | 'failed';
  error?: string;
}

const SAVED = 'tidewire.image-task';
export const imageTasks = signal<ImageTask[]>([]);
const consumers = new Map<string, SSEConsumer>();
let nextKey = 1;

function update(key: string, change: Partial<ImageTask>): void {
  imageTasks.value = imageTasks.value.map((t) => (t.key === key ? { ...t, ...change } : t));
  const task = imageTasks.value.find((t) => t.key === key);
  if (task?.status === 'running' && task.streamId) write(SAVED, JSON.stringify(task));
  else if (task) write(SAVED, null);
}

/** Shows a preview once its image has loaded, so the picture never blanks between steps. */
function showPreview(key: string, url: string, final: boolean, seq: number): void {
  const image = new Image();
  image.onload = () => {
    const task = imageTasks.value.find((t) => t.key === key);
    if (task && (task.seq <= seq || final)) update(key, { preview: url, final: final || task.final });
  };
  image.src = url;
}

function follow(task: ImageTask, resumeFrom?: { streamId: string; seq: number }): void {
  const { key } = task;
  const consumer = new SSEConsumer('/api/v1/stream/image', {
    transport: 'sse', // the WebSocket route carries chat streams only
    method: 'POST',
    body: resumeFrom ? undefined : { prompt: task.prompt },
    resumeFrom,
    headers: { 'x-requested-with': 'tidewire-web' },
    onHello: (hello) => update(key, { streamId: hello.stream_id, seq: consumer.lastSeq }),
    onProgress: ({ pct, note }) => update(key, { pct, note, seq: consumer.lastSeq }),
    onPreview: (preview) => {
      const final = (preview as { final?: boolean }).final === true;
      update(key, { seq: consumer.lastSeq });
      showPreview(key, preview.url, final, consumer.lastSeq);
    },
    onDone: ({ reason }) => {
      consumers.delete(key);
      update(key, { status: reason === 'stop' ? 'done' : reason === 'cancelled' ? 'cancelled' : 'failed' });
    },
    onError: (error) => {
      if (!error.retrying) update(key, { error: error.message });
    },
    onStateChange: (state, info) => {
      if (state !== 'failed') return;
      consumers.delete(key);
      update(key, { status: 'failed', error: info.error?.message ?? 'the connection failed' });
    },
  });
  consumers.set(key, consumer);
  void consumer.connect();
}

/** Starts generating an image for `prompt`. */
export function startImage(prompt: string): void {
  const task: ImageTask = {
    key: `image-${nextKey++}`,
    prompt,
    seq: 0,
    pct: 0,
    final: false,
    status: 'running',
  };
  imageTasks.value = [...imageTasks.value, task];
  follow(task);
}

/** Stops a running task (the server cancels the generation). */
export function stopImage(key: string): void {
  const streamId = imageTasks.value.find((t) => t.key === key)?.streamId;
  if (streamId) void cancelStream(streamId);
}

/** After a reload: shows the running task as it was and follows its stream on from there. */
export function resumeImage(): void {
  const raw = read(SAVED);
  if (!raw) return;
  try {
    const saved = JSON.parse(raw) as ImageTask;
    if (typeof saved.streamId !== 'string' || typeof saved.prompt !== 'string') throw new Error('not a task');
    const task: ImageTask = { ...saved, key: `image-${nextKey++}`, status: 'running' };
    imageTasks.value = [...imageTasks.value, task];
    follow(task, { streamId: saved.streamId, seq: Number(saved.seq) || 0 });
  } catch {
    write(SAVED, null);
  }
}
