/**
 * `AnswerSoFar`: what an answer holds after the parts seen so far, in the shapes its users
 * need: the text and reasoning (for a continuation), tool inputs, calls and results by id
 * (so a takeover neither repeats nor re-runs them), and the stored parts in streaming order
 * (text and reasoning runs merged; the contract's field names), which a conversation keeps.
 * @module
 */
import { type AnswerPart, eventOfPart } from './answer-parts.ts';

export type StoredPart =
  | { type: 'text'; text: string }
  /** `thought_ms` on the run the model's first reasoning ended with: how long it thought. */
  | { type: 'reasoning'; text: string; thought_ms?: number }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; id: string; name: string; output: unknown; is_error: boolean }
  | { type: 'source'; id: string; url: string; title?: string }
  | { type: 'file'; id: string; media_type: string; url: string };

export class AnswerSoFar {
  text = '';
  reasoning = '';
  /** How long the model thought, once its first reasoning ended. */
  thoughtMs: number | undefined;
  readonly parts: StoredPart[] = [];
  /** The streamed JSON arguments of each tool call, by call id. */
  readonly toolInputs = new Map<string, string>();
  readonly toolCalls = new Map<string, { name: string; input: unknown }>();
  readonly toolResults = new Map<string, { name: string; output: unknown; isError: boolean }>();
  /** Ids of the sources and files sent. */
  readonly attachments = new Set<string>();

  static of(parts: Iterable<AnswerPart>): AnswerSoFar {
    const answer = new AnswerSoFar();
    for (const part of parts) answer.add(part);
    return answer;
  }

  /** True when the answer has more than text (its stored parts are worth keeping). */
  get rich(): boolean {
    return this.parts.some((p) => p.type !== 'text');
  }

  add(part: AnswerPart): void {
    switch (part.type) {
      case 'text':
        this.text += part.text;
        this.#appendRun('text', part.text);
        return;
      case 'reasoning':
        this.reasoning += part.text;
        this.#appendRun('reasoning', part.text);
        return;
      case 'reasoning-end': {
        this.thoughtMs = part.thoughtMs;
        const run = this.parts.findLast((p) => p.type === 'reasoning');
        if (run?.type === 'reasoning') run.thought_ms = part.thoughtMs;
        return;
      }
      case 'tool-input-delta':
        this.toolInputs.set(part.id, (this.toolInputs.get(part.id) ?? '') + part.text);
        return;
      case 'tool-call':
        this.toolCalls.set(part.id, { name: part.name, input: part.input });
        break;
      case 'tool-result':
        this.toolResults.set(part.id, { name: part.name, output: part.output, isError: part.isError });
        break;
      case 'source':
      case 'file':
        this.attachments.add(part.id);
        break;
    }
    // Stored as its event: the contract's name and fields.
    const [type, data] = eventOfPart(part);
    this.parts.push({ type, ...data } as StoredPart);
  }

  #appendRun(type: 'text' | 'reasoning', text: string): void {
    const last = this.parts.at(-1);
    if (last?.type === type) last.text += text;
    else this.parts.push({ type, text });
  }
}
