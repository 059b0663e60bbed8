/**
 * The Node adapter of `SessionSocket`: a socket of the `ws` library, which sends ping frames
 * itself (node-upgrade.ts), so heartbeat events are not sent as messages.
 * @module
 */
import type { WebSocket } from 'ws';
import type { SessionSocket } from './socket.ts';

export function wsSessionSocket(socket: WebSocket): SessionSocket {
  return {
    get isOpen() {
      return socket.readyState === socket.OPEN;
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    pingMessages: false,
    send: (text) => socket.send(text),
    close: (code, reason) => socket.close(code, reason),
    onMessage: (listener) =>
      socket.on('message', (data, isBinary) => listener(isBinary ? undefined : data.toString())),
    onClose: (listener) => socket.once('close', (code) => listener(code)),
  };
}
