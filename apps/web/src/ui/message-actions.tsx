/**
 * The controls under a message: the version switcher ("2 / 3") where a message has siblings
 * (regenerated answers, edited questions), Copy (the answer's Markdown) and Regenerate under
 * an answer, Edit under a question. Disabled while an answer streams.
 * @module
 */
import { useState } from 'preact/hooks';
import { isBusy, type Message, regenerate, showVersion, versionsOf } from '../chat/state.ts';
import { ReadAloudButton } from './read-aloud.tsx';

function Versions({ message }: { message: Message }) {
  const { versions, index } = versionsOf(message);
  if (versions.length < 2) return null;
  const busy = isBusy();
  return (
    <span class="versions">
      <button
        type="button"
        class="icon"
        aria-label="Previous version"
        disabled={busy || index === 0}
        onClick={() => showVersion(message.key, -1)}
      >
        ‹
      </button>
      <span class="version-count" data-testid="version">
        {index + 1} / {versions.length}
      </span>
      <button
        type="button"
        class="icon"
        aria-label="Next version"
        disabled={busy || index === versions.length - 1}
        onClick={() => showVersion(message.key, 1)}
      >
        ›
      </button>
    </span>
  );
}

function CopyAnswer({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="act"
      onClick={() =>
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        })
      }
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

export function AnswerActions({ message }: { message: Message }) {
  if (message.status === 'streaming') return null;
  return (
    <div class="actions">
      <Versions message={message} />
      <CopyAnswer text={message.text} />
      <ReadAloudButton message={message} />
      <button type="button" class="act" disabled={isBusy()} onClick={() => void regenerate(message.key)}>
        Regenerate
      </button>
    </div>
  );
}

export function QuestionActions({ message, onEdit }: { message: Message; onEdit: () => void }) {
  return (
    <div class="actions question-actions">
      <Versions message={message} />
      <button type="button" class="act" disabled={isBusy()} onClick={onEdit}>
        Edit
      </button>
    </div>
  );
}
