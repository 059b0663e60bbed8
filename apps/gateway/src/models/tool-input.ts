/**
 * A tool call's arguments as the model streamed them (JSON text) turned into its input, for
 * every provider: a model may stream nothing (no arguments) or text that is not JSON.
 * @module
 */

/** A tool call's JSON arguments, parsed; text that is not JSON stays text. */
export function parseToolInput(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
