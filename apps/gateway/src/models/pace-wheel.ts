/**
 * One timer for every paced model instead of a timer, a promise and an abort listener per
 * token: a waiter is woken on the first tick of the wheel at or after its time. Ticks are
 * `TICK_MS` apart; the timer runs only while someone waits.
 * @module
 */

/** The wheel's resolution: a waiter wakes at most this late. */
export const TICK_MS = 4;

/**
 * Who waits: an object with a `wake` method (a paced answer itself), not a function, so a
 * waiter needs no closure of its own.
 */
export interface Waker {
  wake(): void;
}

const buckets = new Map<number, Waker[]>();
/** The bucket keys (tick numbers), ascending. */
const keys: number[] = [];
let timer: ReturnType<typeof setTimeout> | undefined;
let timerTick = Number.POSITIVE_INFINITY;

const tickOf = (at: number) => Math.ceil(at / TICK_MS);

function schedule(): void {
  const next = keys[0];
  if (next === undefined || next >= timerTick) return;
  clearTimeout(timer);
  timerTick = next;
  timer = setTimeout(run, Math.max(0, next * TICK_MS - performance.now()));
}

function run(): void {
  timer = undefined;
  timerTick = Number.POSITIVE_INFINITY;
  const now = tickOf(performance.now());
  while (keys.length > 0 && keys[0]! <= now) {
    const key = keys.shift()!;
    const wakers = buckets.get(key)!;
    buckets.delete(key);
    for (const waker of wakers) waker.wake();
  }
  schedule();
}

/**
 * Calls `waker.wake()` on the first tick at or after `at` (a `performance.now()` time). No
 * handle is made per wait (every idle paced answer holds one): `cancelWake(at, waker)` takes it off.
 */
export function wakeAt(at: number, waker: Waker): void {
  const key = tickOf(at);
  const bucket = buckets.get(key);
  if (bucket) bucket.push(waker);
  else {
    buckets.set(key, [waker]);
    let i = keys.length;
    while (i > 0 && keys[i - 1]! > key) i--;
    keys.splice(i, 0, key);
    schedule();
  }
}

/** Takes `waker`, waiting for `at`, off the wheel (a cancelled wait holds no timer). */
export function cancelWake(at: number, waker: Waker): void {
  remove(tickOf(at), waker);
}

function remove(key: number, waker: Waker): void {
  const bucket = buckets.get(key);
  const i = bucket?.indexOf(waker) ?? -1;
  if (i < 0) return;
  bucket!.splice(i, 1);
  if (bucket!.length > 0) return;
  buckets.delete(key);
  keys.splice(keys.indexOf(key), 1);
  if (keys.length === 0) {
    clearTimeout(timer);
    timer = undefined;
    timerTick = Number.POSITIVE_INFINITY;
  }
}
