/**
 * One shared timer per engine that sends `ping` to every open connection. A timer per
 * connection would cost far more with thousands of idle streams. Pings carry no id and never
 * enter the log.
 * @module
 */
import { encodeEvent } from '@tidewire/protocol';
import type { SSESink } from './sink.ts';

export class Heartbeat {
  readonly #intervalMs: number;
  readonly #sinks = new Set<SSESink>();
  readonly #onPing: (count: number) => void;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(intervalMs: number, onPing: (count: number) => void = () => {}) {
    this.#intervalMs = intervalMs;
    this.#onPing = onPing;
  }

  add(sink: SSESink): void {
    this.#sinks.add(sink);
    if (!this.#timer && this.#intervalMs > 0) {
      this.#timer = setInterval(() => this.#beat(), this.#intervalMs);
      this.#timer.unref?.();
    }
  }

  delete(sink: SSESink): void {
    this.#sinks.delete(sink);
    if (this.#sinks.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #beat(): void {
    const frame = encodeEvent('ping', { ts: Date.now() });
    let sent = 0;
    for (const sink of [...this.#sinks]) if (sink.beat?.() !== false && sink.write(frame)) sent++;
    this.#onPing(sent);
  }
}
