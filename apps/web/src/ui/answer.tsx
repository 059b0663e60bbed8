/**
 * One answer in the thread. A streaming answer is drawn by `AnswerStream` into an element the
 * framework never diffs; the same element stays when it ends (so `aria-busy` turning false
 * lets a screen reader read it once). Stored answers are rendered from their Markdown when
 * they come near the screen (plain text until then), so opening a long conversation costs
 * only what is visible.
 * @module
 */

import { RichTracker, type RichView, richFromStored } from '@tidewire/client';
import { useEffect, useRef, useState } from 'preact/hooks';
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
import { Files, Sources } from './attachments.tsx';
import { focusComposerIfLost } from './composer.tsx';
import { readIfAuto } from './read-aloud.tsx';
import { Reasoning } from './reasoning.tsx';
import { ToolCard } from './tool-card.tsx';

function startStream(element: HTMLElement, message: Message, onRich: (view: RichView) => void): AnswerStream {
  const rich = new RichTracker();
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
      onState: (state, { attempt, error, transport }) => {
        connection.value = { state, attempt, message: error?.message, cause: error?.type, transport };
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
      onPart: (event, live) => {
        const before = rich.view;
        if (rich.apply(event, performance.now(), live) !== before) onRich(rich.view);
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

/**
 * Renders stored answers' Markdown once they come within a screen or two of the view. One
 * observer per scrolling thread: its margin must apply to the thread, which clips its answers.
 */
const observers = new WeakMap<Element, IntersectionObserver>();

function nearViewOf(thread: Element): IntersectionObserver {
  let observer = observers.get(thread);
  if (!observer) {
    observer = new IntersectionObserver(
      (entries, self) => {
        for (const entry of entries) {
          if (!entry.isIntersecting) continue;
          const element = entry.target as HTMLElement;
          self.unobserve(element);
          element.innerHTML = renderMarkdown(element.dataset.raw ?? '');
        }
      },
      { root: thread, rootMargin: '1500px 0px' },
    );
    observers.set(thread, observer);
  }
  return observer;
}

function showStored(element: HTMLElement, message: Message): () => void {
  element.dataset.raw = message.text;
  element.dataset.state = message.reason ?? 'stop';
  const thread = element.closest('.thread');
  if (typeof IntersectionObserver !== 'function' || !thread) {
    element.innerHTML = renderMarkdown(message.text);
    return () => {};
  }
  element.textContent = message.text;
  const observer = nearViewOf(thread);
  observer.observe(element);
  return () => observer.unobserve(element);
}

export function Answer({ message }: { message: Message }) {
  const ref = useRef<HTMLDivElement>(null);
  const [rich, setRich] = useState<RichView>(() => richFromStored(message.parts));
  const streaming = message.status === 'streaming';
  // Keyed on the message: an answer streams once; Retry and a resume make a new message.
  useEffect(() => {
    const element = ref.current!;
    if (message.status !== 'streaming') return showStored(element, message);
    const stream = startStream(element, message, setRich);
    return () => stream.close();
  }, [message.key]);
  return (
    <>
      <Reasoning view={rich} streaming={streaming} />
      {rich.tools.map((tool) => (
        <ToolCard key={tool.id} tool={tool} streaming={streaming} />
      ))}
      <div
        ref={ref}
        class="answer markdown"
        dir="auto"
        aria-live="polite"
        aria-busy={streaming}
        data-testid="answer"
      />
      <Sources view={rich} />
      <Files view={rich} />
    </>
  );
}
