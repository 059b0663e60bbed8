/**
 * "Read aloud" under an answer (Stop while it plays; `data-state` says how the reading
 * stands: idle, starting, playing, ended, failed), and the option to read every new answer
 * aloud while it streams.
 * @module
 */
import { autoRead, readAloud, reading, setAutoRead, stopReading } from '../chat/read-aloud.ts';
import type { Message } from '../chat/state.ts';

/** What names a reading of a message, the same before and after a reload: its stream, else its id. */
const readingKey = (message: Message) => message.streamId ?? message.id ?? message.key;

export function ReadAloudButton({ message }: { message: Message }) {
  const key = readingKey(message);
  const mine = reading.value?.key === key ? reading.value.state : 'idle';
  const active = mine === 'starting' || mine === 'playing';
  return (
    <button
      type="button"
      class="act"
      data-testid="read-aloud"
      data-state={mine}
      aria-pressed={active}
      disabled={!message.text.trim()}
      onClick={() =>
        active
          ? stopReading()
          : readAloud(key, message.id ? { messageId: message.id } : { text: message.text })
      }
    >
      {active ? 'Stop reading' : 'Read aloud'}
    </button>
  );
}

export function AutoReadToggle() {
  return (
    <label class="auto-read">
      <input
        type="checkbox"
        data-testid="auto-read"
        checked={autoRead.value}
        onChange={(e) => setAutoRead(e.currentTarget.checked)}
      />
      Read answers aloud
    </label>
  );
}

/** With the option on, reads a new answer aloud while it streams (unless that reading already goes on). */
export function readIfAuto(streamId: string): void {
  if (autoRead.value && reading.value?.key !== streamId) readAloud(streamId, { streamId });
}
