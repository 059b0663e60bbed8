/**
 * `SessionSocket`: what a WebSocket session needs of its socket, whatever the platform, so
 * the one session (session.ts) runs on Node (`ws`, ws-socket.ts) and on edge runtimes with a
 * Web `WebSocket` (web-socket.ts, Cloudflare's workerd). No `node:` imports here or in the
 * session: the edge bundles carry them.
 * @module
 */

/** The close code `ws` and browsers use for a message larger than the socket takes. */
export const WS_CLOSE_TOO_BIG = 1009;

export interface SessionSocket {
  /** Whether messages can still be sent. */
  readonly isOpen: boolean;
  /** Bytes given to `send` and not sent yet (0 where the platform does not say). */
  readonly bufferedAmount: number;
  /**
   * True where the server cannot send WebSocket ping frames (workerd): the streams'
   * heartbeats then go as the protocol's `ping` event messages instead of being dropped.
   */
  readonly pingMessages: boolean;
  send(text: string): void;
  close(code: number, reason: string): void;
  /** Each message received, in order: its text, or undefined for a binary message. */
  onMessage(listener: (text: string | undefined) => void): void;
  /** Once, when the socket has closed. */
  onClose(listener: (code: number) => void): void;
}
