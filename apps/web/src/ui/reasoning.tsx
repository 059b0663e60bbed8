/**
 * The model's reasoning above its answer: collapsed under one line ("Thinking…" while it
 * streams, then "Thought for N s"), expandable at any time, also while it streams.
 * @module
 */
import type { RichView } from '@tidewire/client';

function label(view: RichView, thinking: boolean): string {
  if (thinking) return 'Thinking…';
  if (view.thoughtMs === undefined) return 'Thought';
  return `Thought for ${Math.max(1, Math.round(view.thoughtMs / 1000))} s`;
}

export function Reasoning({ view, streaming }: { view: RichView; streaming: boolean }) {
  if (view.reasoning === '') return null;
  const thinking = streaming && view.thinking;
  // `open` is left to the reader (the element keeps it across renders).
  return (
    <details class="reasoning" data-testid="reasoning" data-state={thinking ? 'thinking' : 'done'}>
      <summary>{label(view, thinking)}</summary>
      <div class="reasoning-text" dir="auto">
        {view.reasoning}
      </div>
    </details>
  );
}
