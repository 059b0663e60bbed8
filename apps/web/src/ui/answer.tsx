/**
 * One answer in the thread. A streaming answer is drawn by `AnswerStream` into an element the
 * framework never diffs; the same element stays when it ends (so `aria-busy` turning false
 * lets a screen reader read it once). Stored answers are rendered from their Markdown.
 * @module
 */
import { useEffect, useRef } from 'preact/hooks';
import { AnswerStream } from '../chat/answer-stream.ts';
import {
  connection,
  conversationId,
  conversations,
  fail,
  finish,
  type Message,
  refreshConversations,
  setActive,
  setConversation,
} from '../chat/state.ts';
import { renderMarkdown } from '../markdown/render-block.ts';
import { focusComposerIfLost } from './composer.tsx';

function startStream(element: HTMLElement, message: Message): AnswerStream {
  const source = message.source!;
  const stream = new AnswerStream(
    element,
    { question: source.question, conversationId: conversationId.value, resume: source.resume },
    {
      onState: (state, { attempt, error, transport }) => {
        connection.value = { state, attempt, message: error?.message, transport };
      },
      onConversation: (id) => {
        setConversation(id);
        // A new conversation is listed as soon as its first answer starts.
        if (!conversations.value?.some((c) => c.id === id)) void refreshConversations();
      },
      onFinished: (text, reason) => {
        finish(message.key, text, reason);
        focusComposerIfLost();
      },
      onFailed: (text, error, streamId) => {
        fail(message.key, text, error, streamId);
        focusComposerIfLost();
      },
    },
  );
  setActive(stream);
  void stream.start();
  return stream;
}

export function Answer({ message }: { message: Message }) {
  const ref = useRef<HTMLDivElement>(null);
  // Keyed on the message: an answer streams once; Retry makes a new message.
  useEffect(() => {
    const element = ref.current!;
    if (message.status !== 'streaming') {
      element.innerHTML = renderMarkdown(message.text);
      element.dataset.raw = message.text;
      element.dataset.state = message.reason ?? 'stop';
      return;
    }
    const stream = startStream(element, message);
    return () => stream.close();
  }, [message.key]);
  return (
    <div
      ref={ref}
      class="answer markdown"
      dir="auto"
      aria-live="polite"
      aria-busy={message.status === 'streaming'}
      data-testid="answer"
    />
  );
}
