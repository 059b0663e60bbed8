/**
 * One answer in the thread. A streaming answer is drawn by `AnswerStream` into an element the
 * framework never diffs; the same element stays when it ends (so `aria-busy` turning false
 * lets a screen reader read it once). Stored answers are rendered from their Markdown when
 * they come near the screen (plain text until then), so opening a long conversation costs
 * only what is visible.
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
  model,
  refreshConversations,
  setActive,
  setConversation,
  update,
} from '../chat/state.ts';
import { renderMarkdown } from '../markdown/render-block.ts';
import { focusComposerIfLost } from './composer.tsx';
import { readIfAuto } from './read-aloud.tsx';

function startStream(element: HTMLElement, message: Message): AnswerStream {
  const source = message.source!;
  const stream = new AnswerStream(
    element,
    {
      question: source.question,
      conversationId: conversationId.value,
      request: source.request,
      model: model.value,
      resume: source.resume,
    },
    {
      onState: (state, attempt, error) => {
        connection.value = { state, attempt, message: error?.message, cause: error?.type };
      },
      onStream: (streamId) => {
        update(message.key, { streamId });
        readIfAuto(streamId);
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

/** Renders stored answers' Markdown once they come within a screen or two of the view. */
const nearView =
  typeof IntersectionObserver === 'function'
    ? new IntersectionObserver(
        (entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting) continue;
            const element = entry.target as HTMLElement;
            nearView?.unobserve(element);
            element.innerHTML = renderMarkdown(element.dataset.raw ?? '');
          }
        },
        { rootMargin: '1500px 0px' },
      )
    : undefined;

function showStored(element: HTMLElement, message: Message): () => void {
  element.dataset.raw = message.text;
  element.dataset.state = message.reason ?? 'stop';
  if (!nearView) {
    element.innerHTML = renderMarkdown(message.text);
    return () => {};
  }
  element.textContent = message.text;
  nearView.observe(element);
  return () => nearView.unobserve(element);
}

export function Answer({ message }: { message: Message }) {
  const ref = useRef<HTMLDivElement>(null);
  // Keyed on the message: an answer streams once; Retry and a resume make a new message.
  useEffect(() => {
    const element = ref.current!;
    if (message.status !== 'streaming') return showStored(element, message);
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
