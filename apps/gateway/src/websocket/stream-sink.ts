/**
 * `WebSocketStreamSink`: one followed stream on a WebSocket, as the engine's reader sees it
 * (an `SSESink`). Frames become JSON messages (frames.ts); the unsent-byte bound is the
 * socket's `bufferedAmount`, shared by every stream on it, so a slow client loses the whole
 * socket (and resumes), as a slow SSE client loses its response.
 * @module
 */
import type { SSESink } from '@tidewire/server';
import { framesToMessages } from './frames.ts';
import { endedMessage } from './messages.ts';
import type { SessionSocket } from './socket.ts';

export interface StreamSinkOptions {
  maxUnsentBytes: number;
  /** The socket holds more than `maxUnsentBytes` unsent: the session closes it. */
  onSlowClient: () => void;
}

export class WebSocketStreamSink implements SSESink {
  readonly streamId: string;
  readonly #socket: SessionSocket;
  readonly #options: StreamSinkOptions;
  readonly #closeCallbacks: (() => void)[] = [];
  #open = true;

  constructor(socket: SessionSocket, streamId: string, options: StreamSinkOptions) {
    this.#socket = socket;
    this.streamId = streamId;
    this.#options = options;
  }

  write(text: string): boolean {
    if (!this.#open || !this.#socket.isOpen) return false;
    const messages = framesToMessages(text, this.streamId, { pings: this.#socket.pingMessages });
    for (const message of messages) this.#socket.send(message);
    if (this.#socket.bufferedAmount > this.#options.maxUnsentBytes) {
      this.close();
      this.#options.onSlowClient();
      return false;
    }
    return true;
  }

  /** The stream ended (after its `done`, or cut by the server): says so, then closes. */
  end(): void {
    if (!this.#open) return;
    if (this.#socket.isOpen) this.#socket.send(endedMessage(this.streamId));
    this.close();
  }

  onClose(callback: () => void): void {
    if (this.#open) this.#closeCallbacks.push(callback);
    else callback();
  }

  /** Stops following (unfollow, or the socket closed). */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    for (const callback of this.#closeCallbacks.splice(0)) callback();
  }
}
