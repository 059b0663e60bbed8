/**
 * Test page: a React chat built on the AI SDK's `useChat` with `TidewireChatTransport`
 * (bundled by the test). It shows the last answer's parts as JSON in `#parts`, `useChat`'s
 * status in `#status`; `#ask` sends the `q` query parameter. A reload resumes the running
 * answer (`resume: true`, the stream id kept in sessionStorage).
 * @module
 */
import { useChat } from '@ai-sdk/react';
import { createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import { TidewireChatTransport } from '../../src/ai-sdk/index.ts';

const transport = new TidewireChatTransport({ api: '/api/v1/stream/chat', storage: sessionStorage });
const question = new URLSearchParams(location.search).get('q') ?? 'what is 12*7';

function summary(parts: { type: string; text?: string; state?: string; output?: unknown }[]) {
  return parts.map((p) => {
    if (p.type === 'text' || p.type === 'reasoning') return [p.type, p.text];
    if (p.type.startsWith('tool-')) return [p.type, p.state, p.output ?? null];
    return [p.type];
  });
}

function App() {
  const { messages, sendMessage, status, stop } = useChat({
    id: 'tidewire-use-chat',
    transport,
    resume: true,
  });
  const answer = messages.findLast((m) => m.role === 'assistant');
  return h(
    'main',
    null,
    h('button', { type: 'button', id: 'ask', onClick: () => void sendMessage({ text: question }) }, 'Ask'),
    h('button', { type: 'button', id: 'stop', onClick: () => void stop() }, 'Stop'),
    h('output', { id: 'status' }, status),
    h('pre', { id: 'parts' }, JSON.stringify(answer ? summary(answer.parts) : [])),
  );
}

createRoot(document.getElementById('root')!).render(h(App));
