/**
 * Redis key names. Every key of one stream shares the `{STREAM_ID}` hash tag, so a stream's
 * keys live on one Redis Cluster slot.
 * @module
 */

export const keys = {
  log: (streamId: string) => `tw:{${streamId}}:log`,
  info: (streamId: string) => `tw:{${streamId}}:info`,
  /** Hash of the stream's artifacts: field `N` holds the bytes, `N:type` the media type. */
  artifacts: (streamId: string) => `tw:{${streamId}}:artifacts`,
  owner: (streamId: string) => `tw:{${streamId}}:owner`,
  /**
   * Pub/sub channel announcing the stream's appends and end (the last sequence number stored),
   * published by the fencing scripts: the log's key with `live` for `log` (see `scripts.ts`).
   */
  live: (streamId: string) => `tw:{${streamId}}:live`,
  /** Sorted set of running streams, scored by lease expiry (ms since epoch). */
  running: 'tw:running',
  /** Pub/sub channel on which a cancel reaches the instance running the stream. */
  cancel: 'tw:cancel',
};
