/**
 * Drops, from a continued generation's parts, the reasoning, tool inputs, tool calls, results,
 * sources and files the reader already has (a takeover replays the model from the start of a
 * step; the log says how far it got). Text is left to the model, which continues from the
 * text so far itself (`continueFrom`).
 * @module
 */
import type { ModelAnswerPart } from '../answer-parts.ts';
import { AnswerSoFar } from '../answer-so-far.ts';

/** The part of `text` past the first `sent` characters, given `before` were already passed. */
function unsentTail(text: string, before: number, sent: number): string {
  return before >= sent ? text : text.slice(Math.min(text.length, sent - before));
}

export class SkipSent {
  readonly #sent: AnswerSoFar;
  /** What the continued generation has produced so far (sent or not). */
  readonly #replayed = new AnswerSoFar();

  constructor(sent: AnswerSoFar) {
    this.#sent = sent;
  }

  /** The part, trimmed to what the reader lacks, or undefined when it has all of it. */
  unsent(part: ModelAnswerPart): ModelAnswerPart | undefined {
    const kept = this.#unsent(part);
    this.#replayed.add(part);
    return kept;
  }

  #unsent(part: ModelAnswerPart): ModelAnswerPart | undefined {
    const sent = this.#sent;
    switch (part.type) {
      case 'text':
        return part;
      case 'reasoning': {
        const text = unsentTail(part.text, this.#replayed.reasoning.length, sent.reasoning.length);
        return text ? { ...part, text } : undefined;
      }
      case 'tool-input-delta': {
        const before = this.#replayed.toolInputs.get(part.id)?.length ?? 0;
        const text = unsentTail(part.text, before, sent.toolInputs.get(part.id)?.length ?? 0);
        return text ? { ...part, text } : undefined;
      }
      case 'tool-call':
        return sent.toolCalls.has(part.id) ? undefined : part;
      case 'tool-result':
        return sent.toolResults.has(part.id) ? undefined : part;
      case 'source':
      case 'file':
        return sent.attachments.has(part.id) ? undefined : part;
    }
  }
}
