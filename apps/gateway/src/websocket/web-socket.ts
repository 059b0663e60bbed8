/**
 * The Web adapter of `SessionSocket`: a server-side Web `WebSocket`, as Cloudflare's workerd
 * hands one out (`WebSocketPair`). Such a socket cannot send ping frames, so the streams'
 * heartbeats go as `ping` messages; it has no message size bound of its own, so a message
 * larger than `maxMessageBytes` closes it with 1009, as `ws` does on Node.
 *
 * A socket belongs to the request that accepted it: workerd refuses I/O on it from another
 * request's work ("Cannot perform I/O on behalf of a different request"). A stream started
 * on one socket and followed on another (a resume) produces its events in the first
 * socket's request, so `send` only queues, and a pump started by the socket's own request
 * hands the queue to the socket: workerd runs a promise's continuation in the request that
 * made the promise.
 * @module
 */
import { WS_CLOSE_RESUME } from '@tidewire/protocol';
import { type SessionSocket, WS_CLOSE_TOO_BIG } from './socket.ts';

/** `WebSocket.CLOSED`, written out: not every runtime has the static constants. */
const CLOSED = 3;

export interface WebSessionSocketOptions {
  /** Largest message (UTF-8 bytes) the client may send. */
  maxMessageBytes: number;
}

export function webSessionSocket(socket: WebSocket, options: WebSessionSocketOptions): SessionSocket {
  const encoder = new TextEncoder();
  const outbox = new Outbox(socket);
  return {
    get isOpen() {
      return outbox.isOpen;
    },
    get bufferedAmount() {
      return outbox.size;
    },
    pingMessages: true,
    send: (text) => outbox.push(text),
    close: (code, reason) => outbox.close(code, reason),
    onMessage: (listener) =>
      socket.addEventListener('message', (event) => {
        const { data } = event;
        const size = typeof data === 'string' ? encoder.encode(data).length : byteLength(data);
        if (size > options.maxMessageBytes) {
          outbox.close(WS_CLOSE_TOO_BIG, `message larger than ${options.maxMessageBytes} bytes`);
          return;
        }
        listener(typeof data === 'string' ? data : undefined);
      }),
    onClose: (listener) => socket.addEventListener('close', (event) => listener(event.code), { once: true }),
  };
}

function byteLength(data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  if (data instanceof Blob) return data.size;
  return 0;
}

/**
 * What the session sends and closes, done by the socket's own request (see the module
 * comment): nothing here touches the socket outside the pump and the socket's own events,
 * not even `readyState`.
 */
class Outbox {
  readonly #socket: WebSocket;
  #messages: string[] = [];
  #closing: { code: number; reason: string } | undefined;
  #open = true;
  #wake: (() => void) | undefined;
  /** Characters queued (a lower bound of their UTF-8 bytes). */
  size = 0;

  constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener(
      'close',
      () => {
        this.#open = false;
        // The client closed: answer its close frame, which workerd leaves to the Worker
        // (without `web_socket_auto_reply_to_close`), else the request never ends.
        if (socket.readyState !== CLOSED) socket.close(1000, 'closed');
        this.#wake?.();
      },
      { once: true },
    );
    void this.#pump();
  }

  get isOpen(): boolean {
    return this.#open && !this.#closing;
  }

  push(text: string): void {
    if (!this.isOpen) return;
    this.#messages.push(text);
    this.size += text.length;
    this.#wake?.();
  }

  close(code: number, reason: string): void {
    if (!this.isOpen) return;
    this.#closing = { code, reason };
    this.#wake?.();
  }

  async #pump(): Promise<void> {
    while (this.#open) {
      // Made here, so workerd continues this loop in the request that accepted the socket.
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        if (this.#messages.length > 0 || this.#closing || !this.#open) resolve();
      });
      this.#flush();
    }
  }

  #flush(): void {
    const messages = this.#messages;
    this.#messages = [];
    this.size = 0;
    if (!this.#open) return;
    try {
      for (const message of messages) this.#socket.send(message);
    } catch (error) {
      // The socket cannot take them: its client follows again after the last event it has.
      this.#closing ??= { code: WS_CLOSE_RESUME, reason: `cannot send: ${(error as Error).message}` };
    }
    if (this.#closing) {
      this.#open = false;
      this.#socket.close(this.#closing.code, this.#closing.reason.slice(0, 120));
    }
  }
}
