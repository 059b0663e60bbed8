/**
 * A web page's (or an edge function's) program, type-checked in the packed-and-installed
 * project without Node's types and with a bundler's module resolution (see
 * testing/packaging.test.ts): the client, the protocol and the server's main entry must not
 * need anything Node-only.
 * @module
 */
import { AdaptiveTypewriter, SSEConsumer } from '@tidewire/client';
import { defineEvents, formatEventId } from '@tidewire/protocol';
import { createEngine, createWebHandlers, resumePoint } from '@tidewire/server';

type JobEvents = { progress: { pct: number }; result: { url: string } };
const jobEvents = defineEvents<JobEvents>();

/** An edge function: starts jobs and serves their resumes. */
const engine = createEngine({ events: jobEvents });
const jobs = createWebHandlers(engine, {
  start: () => ({
    meta: null,
    run(stream) {
      stream.emit('progress', { pct: 100 });
      stream.emit('result', { url: '/results/1' });
    },
  }),
});
export default {
  fetch: (request: Request): Promise<Response> =>
    resumePoint(request) ? jobs.resume(request) : jobs.start(request),
};

/** The page: follows a job, and types a chat answer into an element. */
export function followJob(bar: HTMLProgressElement, link: HTMLAnchorElement): SSEConsumer<JobEvents> {
  const consumer = new SSEConsumer('/jobs', { events: jobEvents, method: 'POST' });
  consumer.on('progress', ({ pct }) => {
    bar.value = pct;
  });
  consumer.on('result', ({ url }) => {
    link.href = url;
  });
  void consumer.connect();
  return consumer;
}

export function chat(answer: HTMLElement, question: string): void {
  const typewriter = new AdaptiveTypewriter(answer);
  const consumer = new SSEConsumer('/api/v1/stream/chat', { body: { q: question } });
  consumer.onDelta(({ text }, event) => {
    typewriter.append(text);
    if (event.streamId !== undefined)
      sessionStorage.setItem('resume-from', formatEventId(event.streamId, event.seq ?? 0));
  });
  void consumer.connect();
}
