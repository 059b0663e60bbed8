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

export interface ToolCallSoFar {
  name: string;
  input: unknown;
}

export interface ToolResultSoFar {
  name: string;
  output: unknown;
  isError: boolean;
}

/** What an answer without tool parts or attachments reads: empty, shared, never written. */
const NO_ENTRIES: ReadonlyMap<string, never> = new Map<string, never>();
const NO_IDS: ReadonlySet<string> = new Set();

export class AnswerSoFar {
  // The text and reasoning are their runs in `parts`, joined when asked for (a flush, a
  // takeover) and kept until the next piece: not a second string built up token by token.
  #text: string | undefined = '';
  #reasoning: string | undefined = '';
  /** How long the model thought, once its first reasoning ended. */
  thoughtMs: number | undefined;
  #parts: StoredPart[] = [];
  // Made on an answer's first tool part or attachment: most answers are text only, and every
  // open stream holds one of these.
  #toolInputs: Map<string, string> | undefined;
  #toolCalls: Map<string, ToolCallSoFar> | undefined;
  #toolResults: Map<string, ToolResultSoFar> | undefined;
  #attachments: Set<string> | undefined;

  get text(): string {
    this.#text ??= this.#joined('text');
    return this.#text;
  }

  get reasoning(): string {
    this.#reasoning ??= this.#joined('reasoning');
    return this.#reasoning;
  }

  /** The stored parts in streaming order. */
  get parts(): readonly StoredPart[] {
    return this.#parts;
  }

  /** The streamed JSON arguments of each tool call, by call id. */
  get toolInputs(): ReadonlyMap<string, string> {
    return this.#toolInputs ?? NO_ENTRIES;
  }

  get toolCalls(): ReadonlyMap<string, ToolCallSoFar> {
    return this.#toolCalls ?? NO_ENTRIES;
  }

  get toolResults(): ReadonlyMap<string, ToolResultSoFar> {
    return this.#toolResults ?? NO_ENTRIES;
  }

  /** Ids of the sources and files sent. */
  get attachments(): ReadonlySet<string> {
    return this.#attachments ?? NO_IDS;
  }

  static of(parts: Iterable<AnswerPart>): AnswerSoFar {
    const answer = new AnswerSoFar();
    for (const part of parts) answer.add(part);
    return answer;
  }

  /** True when the answer has more than text (its stored parts are worth keeping). */
  get rich(): boolean {
    return this.#parts.some((p) => p.type !== 'text');
  }

  add(part: AnswerPart): void {
    switch (part.type) {
      case 'text':
        this.#text = undefined;
        this.#appendRun('text', part.text);
        return;
      case 'reasoning':
        this.#reasoning = undefined;
        this.#appendRun('reasoning', part.text);
        return;
      case 'reasoning-end': {
        this.thoughtMs = part.thoughtMs;
        const run = this.#parts.findLast((p) => p.type === 'reasoning');
        if (run?.type === 'reasoning') run.thought_ms = part.thoughtMs;
        return;
      }
      case 'tool-input-delta':
        this.#toolInputs ??= new Map();
        this.#toolInputs.set(part.id, (this.#toolInputs.get(part.id) ?? '') + part.text);
        return;
      case 'tool-call':
        this.#toolCalls ??= new Map();
        this.#toolCalls.set(part.id, { name: part.name, input: part.input });
        break;
      case 'tool-result':
        this.#toolResults ??= new Map();
        this.#toolResults.set(part.id, { name: part.name, output: part.output, isError: part.isError });
        break;
      case 'source':
      case 'file':
        this.#attachments ??= new Set();
        this.#attachments.add(part.id);
        break;
    }
    // Stored as its event: the contract's name and fields.
    const [type, data] = eventOfPart(part);
    this.#push({ type, ...data } as StoredPart);
  }

  /**
   * Appends a part. A short list grows by `concat`, exactly as long as it is: a push would
   * leave room for 16 more, and most answers are one or two runs, held while their stream is open.
   */
  #push(part: StoredPart): void {
    if (this.#parts.length < 8) this.#parts = this.#parts.concat(part);
    else this.#parts.push(part);
  }

  #joined(type: 'text' | 'reasoning'): string {
    let joined = '';
    for (const part of this.#parts) if (part.type === type) joined += part.text;
    return joined;
  }

  #appendRun(type: 'text' | 'reasoning', text: string): void {
    const last = this.#parts.at(-1);
    if (last?.type === type) last.text += text;
    else this.#push({ type, text });
  }
}
