/**
 * Test page: a React page built on `useTidewireAnswer` (no AI SDK), bundled by the test. `#ask`
 * asks the `q` query parameter; `#answer` shows the answer as JSON; `#ended` its `done`
 * reason. A reload resumes the running answer by the stream id it keeps in sessionStorage.
 * @module
 */
import { createElement as h, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { useTidewireAnswer } from '../../src/react.ts';

const RUNNING = 'tidewire.hook-stream';
const question = new URLSearchParams(location.search).get('q') ?? 'what is 12*7';

function App() {
  const answer = useTidewireAnswer('/api/v1/stream/chat');
  // biome-ignore lint/correctness/useExhaustiveDependencies: resumes once, on load.
  useEffect(() => {
    const running = sessionStorage.getItem(RUNNING);
    if (running) answer.resume(running);
  }, []);
  useEffect(() => {
    if (answer.reason) sessionStorage.removeItem(RUNNING);
    else if (answer.streamId) sessionStorage.setItem(RUNNING, answer.streamId);
  }, [answer.streamId, answer.reason]);
  const shown = {
    reasoning: answer.rich.reasoning,
    tools: answer.rich.tools.map((t) => [t.name, t.input ?? null, t.result?.output ?? null]),
    text: answer.text,
  };
  return h(
    'main',
    null,
    h('button', { type: 'button', id: 'ask', onClick: () => answer.ask({ q: question }) }, 'Ask'),
    h('output', { id: 'ended' }, answer.reason ?? ''),
    h('pre', { id: 'answer' }, JSON.stringify(shown)),
  );
}

createRoot(document.getElementById('root')!).render(h(App));
