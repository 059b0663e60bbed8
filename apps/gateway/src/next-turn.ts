/**
 * Waiting for the next turn of the event loop, once pending I/O has run: `setImmediate` where
 * the runtime has it (Node: no timer clamp), else a zero timeout (edge runtimes).
 * @module
 */

/** Calls `callback` in the next turn of the event loop. */
export const yieldToEventLoop: (callback: () => void) => void =
  typeof setImmediate === 'function'
    ? (callback) => setImmediate(callback)
    : (callback) => setTimeout(callback, 0);

/** Resolves in the next turn of the event loop. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => yieldToEventLoop(resolve));
