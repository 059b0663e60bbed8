/**
 * Continuing a partial answer through a provider that trims the prefill: Anthropic rejects a
 * final assistant message ending in whitespace (and the AI SDK trims it), so the model
 * continues from the trimmed text and usually starts with whitespace again. The reader
 * already has the trimmed whitespace, so the continuation must not repeat it.
 * @module
 */

/** The whitespace at the end of `text`. */
export function trailingWhitespace(text: string): string {
  return /\s*$/.exec(text)![0];
}

/**
 * A filter for the continuation's text parts: holds back its leading whitespace until the
 * first other character, then drops the part of it the reader already has (`sentTail`).
 * Leading whitespace unlike `sentTail` is dropped whole: the reader already has a break there.
 */
export function skipRepeatedWhitespace(sentTail: string): (text: string) => string {
  if (sentTail === '') return (text) => text;
  let leading = '';
  let started = false;
  return (text) => {
    if (started) return text;
    const space = /^\s*/.exec(text)![0];
    leading += space;
    if (space.length === text.length) return '';
    started = true;
    const kept = leading.startsWith(sentTail) ? leading.slice(sentTail.length) : '';
    return kept + text.slice(space.length);
  };
}
