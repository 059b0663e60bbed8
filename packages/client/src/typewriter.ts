/**
 * `AdaptiveTypewriter`: turns bursty deltas into steady typing. It reveals whole graphemes
 * (never half an emoji or a letter without its mark: `Intl.Segmenter`), pauses a little after
 * sentence ends and commas, and speeds up as its queue grows (aiming to drain it in half of
 * `maxLagMs`); text older than 80% of `maxLagMs` is shown at once, so it never lags the
 * stream by more than `maxLagMs`. Driven by `requestAnimationFrame` in browsers; `flush()` shows
 * everything at once; with `prefers-reduced-motion` it does not animate at all.
 *
 * Two forms: `new AdaptiveTypewriter({ onRender })` hands the text to a callback;
 * `new AdaptiveTypewriter(element, options)` (the design guide's) types into a DOM element
 * itself, appending to a text node of its own, whole graphemes at a time.
 * @module
 */
import { type ElementSink, elementSink, isElement } from './typewriter-element.ts';

export interface TypewriterOptions {
  /** Time per grapheme at rest, in ms (default 12). */
  baseDelayMs?: number;
  /** Pause after `.`, `!`, `?` (and their Arabic and CJK forms), as a multiple of the base (default 6). */
  punctuationDelayMultiplier?: number;
  /** Pause after `,`, `;`, `:` as a multiple of the base (default 2.5). */
  commaDelayMultiplier?: number;
  /** Graphemes revealed together at least (default 1). */
  charsPerStep?: number;
  /** Upper bound on how far the shown text trails the received text, in ms (default 1500). */
  maxLagMs?: number;
  /** Receives the whole shown text and the part just added (optional with an element). */
  onRender: (shown: string, appended: string) => void;
  /** Animation clock (default `requestAnimationFrame`, else a 16 ms timer). */
  requestFrame?: (callback: (now: number) => void) => unknown;
  now?: () => number;
  /** Show text at once, without animation (default: the user's `prefers-reduced-motion`). */
  reducedMotion?: boolean;
}

const SENTENCE_END = /[.!?؟。！？\n]/;
const CLAUSE_END = /[,;:،、，]/;

/** How long the newest grapheme is held back in case the next delta extends it. */
const TAIL_HOLD_MS = 40;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function defaultFrame(callback: (now: number) => void): unknown {
  if (typeof requestAnimationFrame === 'function') return requestAnimationFrame(callback);
  return setTimeout(() => callback(performance.now()), 16);
}

function prefersReducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** Options of a typewriter that types into an element: `onRender` is optional there. */
export type ElementTypewriterOptions = Omit<TypewriterOptions, 'onRender'> &
  Partial<Pick<TypewriterOptions, 'onRender'>>;

export class AdaptiveTypewriter {
  readonly #o: Required<Omit<TypewriterOptions, 'reducedMotion'>> & { reducedMotion: boolean };
  readonly #element: ElementSink | undefined;
  /** Received text not shown yet. */
  #pending = '';
  #shown = '';
  #credit = 0;
  #lastFrame: number | undefined;
  #scheduled = false;
  #disposed = false;
  #lastArrival = 0;
  /** When each received piece arrived: `end` is the received length after it. */
  #arrivals: { end: number; at: number }[] = [];
  #received = 0;

  constructor(options: TypewriterOptions);
  constructor(element: Element, options?: ElementTypewriterOptions);
  constructor(target: TypewriterOptions | Element, elementOptions: ElementTypewriterOptions = {}) {
    const element = isElement(target) ? target : undefined;
    if (!element && typeof (target as TypewriterOptions | null)?.onRender !== 'function') {
      const got = target === null ? 'null' : typeof target;
      throw new TypeError(`AdaptiveTypewriter takes an element, or options with onRender; got ${got}`);
    }
    this.#element = element && elementSink(element);
    const options: ElementTypewriterOptions = element ? elementOptions : (target as TypewriterOptions);
    this.#o = {
      baseDelayMs: 12,
      punctuationDelayMultiplier: 6,
      commaDelayMultiplier: 2.5,
      charsPerStep: 1,
      maxLagMs: 1500,
      requestFrame: defaultFrame,
      now: () => performance.now(),
      ...options,
      onRender: options.onRender ?? (() => {}),
      reducedMotion: options.reducedMotion ?? prefersReducedMotion(),
    };
  }

  /** The text shown so far. */
  get shown(): string {
    return this.#shown;
  }
  /** Text received but not shown yet. */
  get pending(): string {
    return this.#pending;
  }

  /** Adds received text (the design guide's name for `push`). */
  append(text: string): void {
    this.push(text);
  }

  /** Adds received text. */
  push(text: string): void {
    if (this.#disposed || text === '') return;
    this.#pending += text;
    this.#received += text.length;
    this.#lastArrival = this.#o.now();
    this.#arrivals.push({ end: this.#received, at: this.#lastArrival });
    if (this.#o.reducedMotion) this.flush();
    else this.#schedule();
  }

  /** Shows everything received, now (on `done`). */
  flush(): void {
    this.#arrivals = [];
    if (this.#pending === '') return;
    this.#reveal(this.#pending);
  }

  /** Forgets everything (a new answer); with an element, removes the text it typed there. */
  reset(): void {
    this.#element?.clear();
    this.#arrivals = [];
    this.#received = 0;
    this.#pending = '';
    this.#shown = '';
    this.#credit = 0;
    this.#lastFrame = undefined;
  }

  /** Stops animating; later pushes are ignored. */
  dispose(): void {
    this.#disposed = true;
    this.#pending = '';
  }

  #schedule(): void {
    if (this.#scheduled || this.#disposed) return;
    this.#scheduled = true;
    this.#o.requestFrame((now) => this.#frame(now));
  }

  #frame(now: number): void {
    this.#scheduled = false;
    if (this.#disposed || this.#pending === '') {
      this.#lastFrame = undefined;
      return;
    }
    const elapsed = this.#lastFrame === undefined ? this.#o.baseDelayMs : now - this.#lastFrame;
    this.#lastFrame = now;
    this.#credit += Math.min(elapsed, 250);
    const graphemes = Array.from(segmenter.segment(this.#pending), (s) => s.segment);
    const overdue = this.#overdueChars(now);
    // The last grapheme may still grow (an emoji sequence or a mark split across deltas):
    // hold it back while its text is fresh, unless it is overdue.
    const holdLast = now - this.#lastArrival < TAIL_HOLD_MS && overdue < this.#pending.length;
    const available = graphemes.length - (holdLast ? 1 : 0);
    const take = this.#count(graphemes, available, overdue, this.#speedup(graphemes.length));
    if (take > 0) this.#reveal(graphemes.slice(0, take).join(''));
    if (this.#pending !== '') this.#schedule();
  }

  /** Characters of pending text that arrived long enough ago that they must show now. */
  #overdueChars(now: number): number {
    const deadline = now - this.#o.maxLagMs * 0.8;
    let end = this.#shown.length;
    while (this.#arrivals.length > 0 && this.#arrivals[0]!.at <= deadline) end = this.#arrivals.shift()!.end;
    while (this.#arrivals.length > 0 && this.#arrivals[0]!.end <= this.#shown.length) this.#arrivals.shift();
    return Math.max(0, end - this.#shown.length);
  }

  /**
   * How much faster than the base pace to type: enough to drain the queue in half of
   * `maxLagMs`, so a growing backlog speeds typing up smoothly well before the hard bound.
   */
  #speedup(queued: number): number {
    return Math.max(1, (queued * this.#o.baseDelayMs) / (this.#o.maxLagMs / 2));
  }

  /** How many graphemes to reveal this frame: by the time budget, and at least every overdue one. */
  #count(graphemes: string[], available: number, overdueChars: number, speedup: number): number {
    const { charsPerStep } = this.#o;
    let take = 0;
    let chars = 0;
    let previous = this.#shown.slice(-1);
    while (take < available) {
      const cost = this.#delayAfter(previous) / speedup;
      if (this.#credit < cost && chars >= overdueChars) break;
      this.#credit = Math.max(0, this.#credit - cost);
      for (let i = 0; i < charsPerStep && take < available; i++) {
        previous = graphemes[take++]!;
        chars += previous.length;
      }
    }
    return take;
  }

  #delayAfter(previous: string): number {
    const { baseDelayMs, punctuationDelayMultiplier, commaDelayMultiplier } = this.#o;
    if (SENTENCE_END.test(previous)) return baseDelayMs * punctuationDelayMultiplier;
    if (CLAUSE_END.test(previous)) return baseDelayMs * commaDelayMultiplier;
    return baseDelayMs;
  }

  #reveal(text: string): void {
    this.#pending = this.#pending.slice(text.length);
    this.#shown += text;
    this.#element?.write(text);
    this.#o.onRender(this.#shown, text);
  }
}
