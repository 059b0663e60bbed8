/**
 * The events of long media tasks: a task's preview (a partial image, and with `final: true`
 * the finished one) and spoken audio, one chunk at a time. Their bytes are artifacts of the
 * stream (`url`), never inlined in the log.
 * @module
 */
import * as z from 'zod/mini';

/** A preview of a long task; `final: true` on the finished result. */
export const TaskPreviewData = z.object({
  id: z.string(),
  url: z.string(),
  type: z.string(),
  final: z.optional(z.boolean()),
});

/** One chunk of spoken audio; `seq` counts chunks from 1 in playing order. */
export const AudioData = z.object({
  seq: z.number(),
  format: z.string(),
  url: z.string(),
  /** The chunk's media type (`audio/wav`, `audio/mpeg`…). */
  type: z.optional(z.string()),
  /** The text the chunk speaks. */
  text: z.optional(z.string()),
});
