/**
 * `EngineObserver`: optional callbacks through which the engine reports what it does, so the
 * gateway can count it (metrics) without the engine depending on a metrics library.
 * @module
 */
import type { StreamInfo } from './store.ts';

export interface EngineObserver {
  onConnectionOpen?(info: StreamInfo, resumed: boolean): void;
  onConnectionClose?(info: StreamInfo): void;
  onFramesSent?(count: number, bytes: number): void;
  onPing?(count: number): void;
  onSlowClient?(): void;
  onStreamStart?(info: StreamInfo): void;
  onStreamEnd?(info: StreamInfo, durationMs: number): void;
  /**
   * As a stream ends: the longest any of its text waited in a coalescer before it went into the
   * log (`coalesceHoldMs` bounds it; a late timer or a busy event loop can stretch it). Not
   * called for a stream that held no text.
   */
  onStreamTextHeld?(info: StreamInfo, longestMs: number): void;
  /** The first `delta` of a stream was appended, `ms` after the stream started. */
  onFirstDelta?(info: StreamInfo, ms: number): void;
  /** A stream ended with an `error` event of this type. */
  onStreamError?(info: StreamInfo, type: string): void;
  /** This engine took over a stream whose instance died or shut down (`onStreamStart` follows). */
  onStreamAdopted?(info: StreamInfo): void;
  /** At shutdown, a running stream was handed off for another instance to continue. */
  onStreamHandedOff?(info: StreamInfo): void;
  /**
   * A failure the engine handled without throwing to a caller (a store write, a lease
   * release, a hand-off, a takeover): reported here so nothing is swallowed silently.
   */
  onError?(error: Error, info?: StreamInfo): void;
}
