/**
 * `SSESink`: one open SSE connection as the engine sees it, whatever the transport
 * (a Node `ServerResponse`, a Web `ReadableStream`).
 * @module
 */

export interface SSESink {
  /**
   * Queues text for the client. Returns false when the sink is closed, or when it closed
   * itself because the client let too many bytes pile up unsent (a slow client).
   */
  write(text: string): boolean;
  /** Ends the response after what was already written. */
  end(): void;
  /** Registers a callback for when the connection closes, for whatever reason. */
  onClose(callback: () => void): void;
  /**
   * Called on every heartbeat, before its `ping`: a sink that paces its writes closes itself
   * (returns false) when its client made no progress since the last heartbeat while over its
   * unsent-byte bound.
   */
  beat?(): boolean;
}

/** What a sink reports back: the numbers that metrics count. */
export interface SinkObserver {
  onSlowClient?(): void;
}
