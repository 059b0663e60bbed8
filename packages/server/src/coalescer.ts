/**
 * Coalesces model tokens into `delta` events: the first token goes out at once, later ones
 * are joined until about `maxWords` words or a punctuation mark, but no text is held longer
 * than `maxHoldMs`. Fewer, larger events cost less per byte on every hop; the hold bound
 * keeps the typing smooth. Held text leaves with the token after which the next one, at the
 * pace of the last two, would come too late for the bound: at a steady pace the text goes out
 * on the model's own beat, not a hold timer's later and less regular one (at 40 tokens/s with
 * a 30 ms bound: every second token, 50 ms apart, not 54 ms apart plus the timer's lag). The
 * timer remains the bound for text the model stopped adding to.
 * @module
 */

export interface CoalescerBounds {
  /** Flush once the held text has this many word breaks. */
  maxWords: number;
  /** Never hold text longer than this. */
  maxHoldMs: number;
}

export interface CoalescerOptions extends CoalescerBounds {
  /** Receives each coalesced piece of text. */
  emit: (text: string) => void;
}

/**
 * How early the hold timer is aimed: timers fire a millisecond or so after their time, and text
 * held to the bound would go out past it (at 40 tokens/s a gap of one token plus the hold).
 */
const TIMER_SLACK_MS = 1;

/** Characters after which the held text goes out at once (sentence ends, clause ends, line ends). */
const FLUSH_AFTER = new Set(['.', '!', '?', ',', ';', ':', '\n', '؟', '،', '。']);

/**
 * The coalescing; a subclass takes each coalesced piece in `emit` (a stream's text coalescer is
 * one object per text event, with no callback, options object or timer callback of its own
 * until it holds text).
 */
export abstract class Coalescer {
  readonly #maxWords: number;
  readonly #maxHoldMs: number;
  #held = '';
  #words = 0;
  #sentAny = false;
  /** When the held text began to be held (`Date.now()`). */
  #heldAt = 0;
  /** When the last piece came (`Date.now()`). */
  #lastAt = 0;
  /** The longest any text waited here before it went out (ms): the bound, kept or not, as measured. */
  #longestHold = 0;
  /**
   * The hold timer, made once and re-armed (`refresh()`), not made and cleared per event: a
   * flush leaves it armed, and when it fires with nothing held it does nothing. It may fire
   * early for newer text (then it waits the rest), never late: it is aimed `TIMER_SLACK_MS` early.
   */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerMs = 0;
  #armed = false;
  /** The timer's callback, made the first time text is held (most idle streams never hold any). */
  #fire: (() => void) | undefined;

  constructor(bounds: CoalescerBounds) {
    this.#maxWords = bounds.maxWords;
    this.#maxHoldMs = bounds.maxHoldMs;
  }

  /** Receives each coalesced piece of text. */
  protected abstract emit(text: string): void;

  push(text: string): void {
    if (text === '') return;
    if (!this.#sentAny) {
      this.#sentAny = true;
      this.#lastAt = Date.now();
      this.emit(text);
      return;
    }
    const now = Date.now();
    const since = now - this.#lastAt;
    this.#lastAt = now;
    if (this.#held === '') this.#heldAt = now;
    this.#held += text;
    this.#words += countWordBreaks(text);
    // Held text never ends at punctuation (it would have been flushed), so the new piece tells.
    if (this.#words >= this.#maxWords || endsAtPunctuation(text) || this.#nextTooLate(now, since)) {
      this.flush(now);
    } else if (!this.#armed) {
      this.#arm(Math.max(0, this.#maxHoldMs - TIMER_SLACK_MS));
    }
  }

  /**
   * Whether the next piece, coming `since` ms after this one as this one came after the last,
   * would find the held text past its bound (less the timer's slack): then it leaves now.
   */
  #nextTooLate(now: number, since: number): boolean {
    return now > this.#heldAt && now - this.#heldAt + since >= this.#maxHoldMs - TIMER_SLACK_MS;
  }

  /** The longest any text waited here before it went out (ms; 0 when none was held). */
  get longestHold(): number {
    return this.#longestHold;
  }

  /**
   * Emits whatever is held (`now`: `Date.now()`, when the caller has it; read only when text is
   * held, as a stream flushes its coalescers before every other event it appends).
   */
  flush(now?: number): void {
    if (this.#held === '') return;
    const held = (now ?? Date.now()) - this.#heldAt;
    if (held > this.#longestHold) this.#longestHold = held;
    const text = this.#held;
    this.#held = '';
    this.#words = 0;
    this.emit(text);
  }

  /** Drops held text and the timer (the stream ended some other way). */
  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armed = false;
    this.#held = '';
  }

  #arm(ms: number): void {
    this.#armed = true;
    // `refresh()` re-arms Node's timer without making another; edge runtimes' timers are numbers.
    const timer = this.#timer as { refresh?: () => unknown } | undefined;
    if (typeof timer?.refresh === 'function' && ms === this.#timerMs) {
      timer.refresh();
    } else {
      this.#fire ??= () => this.#onTimer();
      this.#timer = setTimeout(this.#fire, ms);
      this.#timerMs = ms;
    }
  }

  #onTimer(): void {
    this.#armed = false;
    if (this.#held === '') return;
    const now = Date.now();
    const left = this.#heldAt + this.#maxHoldMs - now;
    if (left > TIMER_SLACK_MS) this.#arm(left - TIMER_SLACK_MS);
    else this.flush(now);
  }
}

/** A coalescer that hands each piece to the `emit` callback of its options. */
export class DeltaCoalescer extends Coalescer {
  readonly #emit: (text: string) => void;

  constructor(options: CoalescerOptions) {
    super(options);
    this.#emit = options.emit;
  }

  protected emit(text: string): void {
    this.#emit(text);
  }
}

function countWordBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 32) n++;
  return n;
}

function endsAtPunctuation(text: string): boolean {
  let i = text.length - 1;
  if (text.charCodeAt(i) === 10) return true;
  while (i >= 0 && text.charCodeAt(i) === 32) i--;
  return i >= 0 && FLUSH_AFTER.has(text[i]!);
}
