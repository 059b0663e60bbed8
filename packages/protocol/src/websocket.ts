/**
 * The WebSocket transport's shared names (docs/WEBSOCKET.md): its path, its close code for
 * "reconnect and follow again", and the shapes of the server's messages. Each event is one
 * message with the same stream id, sequence number, name and data as its SSE frame.
 * @module
 */

/** The WebSocket route, on the same server as the SSE routes. */
export const WEBSOCKET_PATH = '/api/v1/ws';

/**
 * Close code the server uses when the client should reconnect and follow its streams again
 * from its last sequence numbers (it left too many bytes unread, or the server restarts).
 */
export const WS_CLOSE_RESUME = 4000;

/** One stream event: `seq` is absent only on events without an id (a store failure's). */
export interface WsEventMessage {
  stream_id: string;
  seq?: number;
  event: string;
  data: unknown;
}

export type WsControlMessage =
  | { type: 'started'; ref?: string; stream_id: string }
  | { type: 'ended'; stream_id: string }
  | { type: 'cancelled'; stream_id: string; cancelled: boolean }
  | { type: 'error'; ref?: string; stream_id?: string; error: { type: string; message: string } };

/** What the server sends: events (they have `event`) and control messages (they have `type`). */
export type WsServerMessage = WsEventMessage | WsControlMessage;
