/**
 * `Coordinator`: what the engine needs when several instances share one store. Each running
 * stream has an owner holding a lease; a cancel reaches the owner wherever it is; a stream
 * whose owner stopped renewing is handed to another instance to take over.
 * @module
 */

/**
 * A lease the stream store takes as it creates a stream (`StreamStore.createWithFirst`), and
 * drops as it ends it (`StreamStore.end`), in the same step.
 */
export interface StoreLease {
  /** Who holds it: the coordinator's `instanceId`. */
  owner: string;
  /** How long it lasts unless renewed. */
  ms: number;
}

export interface Coordinator {
  readonly instanceId: string;
  /**
   * Present when the leases live in the stream store (Redis): the store takes a new stream's
   * lease in the same step as it creates the stream, then `own(streamId, true)` records it; and
   * drops it as it ends the stream, then `release(streamId, true)` records that.
   */
  readonly storeLease?: StoreLease;
  /**
   * Takes the lease of a new stream; it is renewed until `release`. `taken`: the store took it
   * already (`storeLease`), it is only recorded (no round trip).
   */
  own(streamId: string, taken?: boolean): Promise<void>;
  /**
   * Gives the lease up (the stream ended here). `dropped`: the store dropped it already with
   * the end (`storeLease`), it is only recorded (no round trip).
   */
  release(streamId: string, dropped?: boolean): Promise<void>;
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
