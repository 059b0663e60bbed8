/**
 * Finds a stream's id in the first bytes of its body, before the first event is complete.
 * The `id:` line leads the first frame; when a connection is cut inside that frame, the id
 * is what lets the consumer resume the stream instead of asking again (which would start a
 * second generation). Only a complete line counts: a cut one could name another stream.
 * @module
 */
import { parseEventId } from '@tidewire/protocol';

/** Looks at most this far into a body: the first frame is far shorter. */
const MAX_SNIFF_CHARS = 4096;
const ID_LINE = /(?:^|[\r\n])id: ?([^\r\n]*)[\r\n]/;

export interface StreamIdSniffer {
  /** Feeds body bytes; returns the stream id once a complete `id:` line has arrived. */
  feed(bytes: Uint8Array): string | undefined;
}

export function createStreamIdSniffer(): StreamIdSniffer {
  const decoder = new TextDecoder();
  let text = '';
  return {
    feed(bytes) {
      if (text.length > MAX_SNIFF_CHARS) return undefined;
      text += decoder.decode(bytes, { stream: true });
      const line = ID_LINE.exec(text)?.[1];
      return line === undefined ? undefined : parseEventId(line)?.streamId;
    },
  };
}
