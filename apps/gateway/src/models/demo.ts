/**
 * The built-in `demo` model: streams a short reasoning, then `demoAnswer(question)` token by
 * token at `DEMO_TOKENS_PER_SEC` (0 = as fast as possible, yielding to the event loop now and
 * then), the tokens due at once handed over as one batch. A question that asks for the time or
 * a calculation gets a real tool call instead (its arguments streamed in pieces); given the
 * tool's result, the demo answers with it. It continues a partial answer deterministically, so
 * a takeover is seamless. An answer's steps are read by position from token steps shared by
 * every stream of the same text: an idle answer holds a plan and two numbers.
 * @module
 */

import { yieldToEventLoop } from '../next-turn.ts';
import { type BatchPull, type BatchReceiver, nextOf, returnOf } from './batch-pull.ts';
import { cachedDemoAnswer, tokensFrom } from './demo-answer.ts';
import {
  argumentPieces,
  demoAttachments,
  demoReasoning,
  demoToolAnswer,
  demoToolCall,
} from './demo-tools.ts';
import { cancelWake, type Waker, wakeAt } from './pace-wheel.ts';
import {
  type ChatMessage,
  type ModelBatch,
  type ModelPart,
  type ModelProvider,
  type ModelRequest,
  partsOf,
} from './provider.ts';

/** Tokens produced between event-loop yields when unpaced. */
const UNPACED_BATCH = 64;

export interface DemoModelOptions {
  /**
   * Each paced answer waits on a timer of its own, not on the pace wheel's one timer shared by
   * every answer. For Workers: a timer belongs to the request that set it, and a request that
   * ends or is cancelled takes its timers with it, so the wheel's timer, set by one request's
   * answer, may never wake another's (measured: about 1 start in 10 stalled in workerd).
   */
  timerPerAnswer?: boolean;
}

/** Wakes `waker` (a timer's callback given its waker: no closure per wait). */
function wake(waker: Waker): void {
  waker.wake();
}

/** Spaces tokens at a steady rate from the first paced one, waiting on the shared pace wheel (or a timer of its own). */
class Pacer {
  readonly #intervalMs: number;
  readonly #began = performance.now();
  readonly #timerPerAnswer: boolean;
  /** The pending wait on the wheel: its time and who it wakes. */
  #waitAt = 0;
  #waker: Waker | undefined;
  /** The pending wait's own timer (`timerPerAnswer`). */
  #timer: ReturnType<typeof setTimeout> | undefined;
  count = 0;

  constructor(tokensPerSec: number, timerPerAnswer: boolean) {
    this.#intervalMs = tokensPerSec > 0 ? 1000 / tokensPerSec : 0;
    this.#timerPerAnswer = timerPerAnswer;
  }

  get paced(): boolean {
    return this.#intervalMs > 0;
  }

  /** Whether the next token may go now, in the batch being built. */
  due(): boolean {
    if (this.#intervalMs > 0) return this.#began + this.count * this.#intervalMs <= performance.now();
    return this.count % UNPACED_BATCH !== UNPACED_BATCH - 1;
  }

  /** Calls `waker.wake()` at the next token's turn (unpaced: once I/O has run). */
  wait(waker: Waker): void {
    if (this.#intervalMs === 0) {
      yieldToEventLoop(() => waker.wake());
      return;
    }
    this.#waitAt = this.#began + this.count * this.#intervalMs;
    if (this.#timerPerAnswer) {
      this.#timer = setTimeout(wake, Math.max(0, this.#waitAt - performance.now()), waker);
      return;
    }
    this.#waker = waker;
    wakeAt(this.#waitAt, waker);
  }

  /** Ends the pending wait early (its `wake` is not called by the wheel or the timer). */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waker) cancelWake(this.#waitAt, this.#waker);
    this.#waker = undefined;
  }
}

/**
 * The demo's parts as batches, the tokens due at once in one. Pulled by callback
 * (`batch-pull.ts`), not written as an async generator: an idle paced answer holds one wake-up
 * on the pace wheel and its receiver, not a suspended generator with its queue of requests and
 * promises.
 */
class DemoBatches implements AsyncIterableIterator<ModelBatch>, BatchPull, Waker, EventListenerObject {
  readonly #steps: DemoSteps;
  readonly #pacer: Pacer;
  readonly #signal: AbortSignal;
  /** A paced step whose turn had not come when the last batch was cut. */
  #held: Step | undefined;
  #ended = false;
  /** Who waits for the next batch while a turn is awaited. */
  #receiver: BatchReceiver | undefined;
  #listening = false;

  constructor(request: ModelRequest, tokensPerSec: number, timerPerAnswer: boolean) {
    this.#pacer = new Pacer(tokensPerSec, timerPerAnswer);
    this.#signal = request.signal;
    this.#steps = new DemoSteps(planOf(request), this.#pacer, request.signal);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ModelBatch>> {
    return nextOf(this);
  }

  return(): Promise<IteratorResult<ModelBatch>> {
    return returnOf(this);
  }

  pull(receiver: BatchReceiver): void {
    if (this.#ended) receiver.end();
    else this.#give(receiver, false);
  }

  stop(): undefined {
    this.#ended = true;
    this.#pacer.stop();
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.end();
    return undefined;
  }

  /** The call was cancelled (the signal's abort event): the waiting receiver gets the end at once. */
  handleEvent(): void {
    this.wake();
  }

  /**
   * The held step's turn came (or the call was cancelled): the waiting receiver gets the batch.
   * A method the pace wheel calls on this object: no closure per answer.
   */
  wake(): void {
    const receiver = this.#receiver;
    if (!receiver) return;
    this.#receiver = undefined;
    this.#pacer.stop();
    if (this.#signal.aborted) {
      this.#ended = true;
      receiver.end();
    } else this.#give(receiver, true);
  }

  /** Gives `receiver` the batch due now, the end, or the failure; else waits for the next turn. */
  #give(receiver: BatchReceiver, turnCame: boolean): void {
    let batch: ModelPart[] | undefined;
    try {
      batch = this.#take(turnCame);
    } catch (error) {
      this.#ended = true;
      receiver.fail(error);
      return;
    }
    if (batch) receiver.batch(batch);
    else if (this.#ended) receiver.end();
    else this.#wait(receiver);
  }

  #wait(receiver: BatchReceiver): void {
    this.#receiver = receiver;
    if (this.#pacer.paced && !this.#listening && !receiver.stopsOnAbort) {
      // One abort listener per answer (not per token) ends the current wait at once, unless
      // the receiver stops this on an abort itself (a generation does).
      this.#listening = true;
      this.#signal.addEventListener('abort', this, { once: true });
    }
    this.#pacer.wait(this);
  }

  /**
   * The next batch: the parts due now (with the held step first when its turn came). Undefined
   * when there is none: the answer ended (`#ended`), or the held step must wait for its turn.
   */
  #take(turnCame: boolean): ModelPart[] | undefined {
    const batch: ModelPart[] = [];
    let step = this.#held;
    this.#held = undefined;
    if (step && turnCame) {
      this.#pacer.count++;
      batch.push(step.part);
      step = undefined;
    }
    for (;;) {
      if (!step) {
        step = this.#steps.next();
        if (!step) {
          this.#ended = true;
          break;
        }
      }
      if (step.paced) {
        if (this.#signal.aborted) {
          this.#ended = true;
          break;
        }
        if (!this.#pacer.due()) {
          this.#held = step;
          break;
        }
        this.#pacer.count++;
      }
      batch.push(step.part);
      step = undefined;
    }
    return batch.length > 0 ? batch : undefined;
  }
}

/** One part the demo produces, and whether it takes a paced token's turn. */
interface Step {
  part: ModelPart;
  paced: boolean;
}

/** The tool message answering the last question, and the name of the tool it answers. */
function toolResultOf(messages: ChatMessage[]): { name: string; output: string } | undefined {
  const lastQuestion = messages.findLastIndex((m) => m.role === 'user');
  const after = messages.slice(lastQuestion + 1);
  const result = after.find((m) => m.role === 'tool');
  if (!result) return undefined;
  const calls = after.flatMap((m) => m.tool_calls ?? []);
  const name = calls.find((c) => c.id === result.tool_call_id)?.function.name ?? 'tool';
  return { name, output: result.content };
}

/** The steps of an answer: runs of steps, then its closing steps and `finish`. */
interface StepPlan {
  /** Runs of steps, in order (the shared token steps of a reasoning and of a text). */
  runs: readonly (readonly Step[])[];
  /** Steps of the first run before this index were sent before (a takeover): they go unpaced. */
  replayed: number;
  /** After the runs: these steps, then `finish` with `reason`. */
  closing: readonly Step[];
  reason: 'stop' | 'tool_calls';
  /** A cancelled answer ends after its runs, without its closing steps and `finish`. */
  closesUnlessAborted: boolean;
}

/** The demo's parts in order, for `question` and what came before. */
function planOf({ messages, continueFrom = '', sent }: ModelRequest): StepPlan {
  const result = toolResultOf(messages);
  if (result) {
    const text = continued(sharedSteps('text', demoToolAnswer(result.name, result.output)), continueFrom);
    const closing = demoAttachments(result.name, result.output).map(unpaced);
    return plan([text], 0, closing, 'stop', true);
  }
  const question = messages.findLast((m) => m.role === 'user')?.content ?? '';
  const call = demoToolCall(question);
  // The reasoning is replayed whole (a takeover drops what the reader has), paced past it.
  const reasoning = sharedSteps('reasoning', demoReasoning(question, call));
  const replayed = replayedSteps(reasoning, sent?.reasoning.length ?? 0);
  if (call) {
    const pieces = argumentPieces(call.arguments).map(
      (text): Step => ({
        part: { type: 'tool-input-delta', id: call.id, name: call.name, text },
        paced: true,
      }),
    );
    const toolCall = unpaced({
      type: 'tool-call',
      id: call.id,
      name: call.name,
      input: JSON.parse(call.arguments),
    });
    return plan([reasoning, pieces], replayed, [toolCall], 'tool_calls', false);
  }
  const answer = sharedSteps('text', cachedDemoAnswer(question));
  const text = continued(answer, continueFrom);
  if (replayed === 0 && text === answer) return freshPlan(reasoning, answer);
  return plan([reasoning, text], replayed, NO_STEPS, 'stop', true);
}

const NO_STEPS: readonly Step[] = Object.freeze([]);

/** Plans of answers asked afresh (not a takeover's), by their text's shared steps. */
const freshPlans = new WeakMap<readonly Step[], StepPlan>();

/**
 * The plan of an answer asked afresh: made once and shared by every stream of its question,
 * as its steps are (an idle stream held a plan and its two arrays, 128 B, of its own).
 */
function freshPlan(reasoning: readonly Step[], text: readonly Step[]): StepPlan {
  const known = freshPlans.get(text);
  if (known?.runs[0] === reasoning) return known;
  const made = Object.freeze(plan(Object.freeze([reasoning, text]), 0, NO_STEPS, 'stop', true));
  freshPlans.set(text, made);
  return made;
}

function plan(
  runs: readonly (readonly Step[])[],
  replayed: number,
  closing: readonly Step[],
  reason: StepPlan['reason'],
  closesUnlessAborted: boolean,
): StepPlan {
  return { runs, replayed, closing, reason, closesUnlessAborted };
}

/** How many of the first steps a reader with `sentLength` characters of their text has whole. */
function replayedSteps(steps: readonly Step[], sentLength: number): number {
  let n = 0;
  for (let length = 0; n < steps.length; n++) {
    length += (steps[n]!.part as { text: string }).text.length;
    if (length > sentLength) break;
  }
  return n;
}

/** The steps of a continuation: after the last whole token of what was sent (all when none was). */
function continued(steps: readonly Step[], continueFrom: string): readonly Step[] {
  let at = 0;
  for (let offset = 0; at < steps.length && offset < continueFrom.length; at++)
    offset += (steps[at]!.part as { text: string }).text.length;
  return at === 0 ? steps : steps.slice(at);
}

/**
 * The demo's steps, taken one at a time by position in the plan's shared runs (a finish reads
 * the count so far): an idle answer holds its plan and two numbers, not a suspended generator.
 */
class DemoSteps {
  readonly #plan: StepPlan;
  readonly #pacer: Pacer;
  readonly #signal: AbortSignal;
  #run = 0;
  #at = 0;
  /** Closing steps taken; past them, `finish`; past that, the end. */
  #closed = -1;

  constructor(plan: StepPlan, pacer: Pacer, signal: AbortSignal) {
    this.#plan = plan;
    this.#pacer = pacer;
    this.#signal = signal;
  }

  /** The next step, or undefined once the answer has ended. */
  next(): Step | undefined {
    const { runs, replayed, closing } = this.#plan;
    while (this.#run < runs.length) {
      const run = runs[this.#run]!;
      if (this.#at < run.length) {
        const step = run[this.#at++]!;
        return this.#run === 0 && this.#at <= replayed ? unpaced(step.part) : step;
      }
      this.#run++;
      this.#at = 0;
    }
    if (this.#closed === -1) {
      if (this.#plan.closesUnlessAborted && this.#signal.aborted) return undefined;
      this.#closed = 0;
    }
    if (this.#closed < closing.length) return closing[this.#closed++];
    if (this.#closed > closing.length) return undefined;
    this.#closed++;
    return unpaced({ type: 'finish', reason: this.#plan.reason, usage: { outputTokens: this.#pacer.count } });
  }
}

export class DemoModel implements ModelProvider {
  readonly name = 'demo';
  readonly provider = 'demo';
  readonly canContinue = true;
  readonly #tokensPerSec: number;
  readonly #timerPerAnswer: boolean;

  constructor(tokensPerSec: number, options: DemoModelOptions = {}) {
    this.#tokensPerSec = tokensPerSec;
    this.#timerPerAnswer = options.timerPerAnswer ?? false;
  }

  countTokens(text: string): number {
    let count = 0;
    for (const _ of tokensFrom(text)) count++;
    return count;
  }

  stream(request: ModelRequest): AsyncIterable<ModelPart> {
    return partsOf(this.batches(request));
  }

  /** The parts due at once: all of them between event-loop yields unpaced, the tokens of one wheel tick paced. */
  batches(request: ModelRequest): AsyncIterable<ModelBatch> {
    return new DemoBatches(request, this.#tokensPerSec, this.#timerPerAnswer);
  }
}

const recentSteps = {
  text: new Map<string, readonly Step[]>(),
  reasoning: new Map<string, readonly Step[]>(),
};
const RECENT_STEPS = 256;

/**
 * The paced token steps of a text or reasoning, made once and shared (frozen) by every stream
 * of it: streams of one question are the common case, and a token per stream was an
 * allocation per token.
 */
function sharedSteps(type: 'text' | 'reasoning', text: string): readonly Step[] {
  const recent = recentSteps[type];
  let steps = recent.get(text);
  if (steps === undefined) {
    steps = Object.freeze(
      [...tokensFrom(text)].map((token) =>
        Object.freeze({ part: Object.freeze({ type, text: token }), paced: true }),
      ),
    );
    if (recent.size >= RECENT_STEPS) recent.delete(recent.keys().next().value!);
    recent.set(text, steps);
  }
  return steps;
}

const unpaced = (part: ModelPart): Step => ({ part, paced: false });
