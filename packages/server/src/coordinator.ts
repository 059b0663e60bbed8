/**
 * `Coordinator`: what the engine needs when several instances share one store. Each running
 * stream has an owner holding a lease; a cancel reaches the owner wherever it is; a stream
 * whose owner stopped renewing is handed to another instance to take over.
 * @module
 */

export interface Coordinator {
  readonly instanceId: string;
  /** Takes the lease of a new stream; it is renewed until `release`. */
  own(streamId: string): Promise<void>;
  /** Gives the lease up (the stream ended here). */
  release(streamId: string): Promise<void>;
  /** Gives the lease up for another instance to take the stream over now (shutdown). */
  handOff(streamId: string): Promise<void>;
  /** Asks the instance that owns the stream to cancel it. */
  requestCancel(streamId: string): Promise<void>;
  /**
   * Handlers: a cancel request for some stream; a stream whose owner's lease expired and whose
   * lease this instance now holds; a stream whose lease this instance lost (stop writing).
   */
  listen(handlers: {
    onCancel(streamId: string): void;
    onOrphan(streamId: string): Promise<void>;
    onLeaseLost(streamId: string): void;
  }): void;
  close(): Promise<void>;
}
