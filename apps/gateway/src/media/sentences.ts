/**
 * Text to read aloud: Markdown reduced to what is spoken (no code blocks, link targets,
 * emphasis marks or heading hashes), cut into sentences, each short enough to be one chunk
 * of audio that starts playing soon.
 * @module
 */

/** Longest sentence spoken as one chunk; longer ones are cut at a comma or a space. */
const MAX_SENTENCE = 240;

/** What a reader would say of a Markdown answer. */
export function speakable(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?(```|$)/g, '\n(code omitted)\n')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|[-*+]|\d+[.)]|>)\s+/gm, '')
    .replace(/(\*\*|__|\*|_|~~)(?=\S)([^\n]*?\S)\1/g, '$2')
    .replace(/^\s*\|?[-:| ]+\|?\s*$/gm, '')
    .replace(/\|/g, ', ');
}

/** The sentences of a text, in order; blank text has none. */
export function sentencesOf(text: string): string[] {
  const out: string[] = [];
  for (const line of speakable(text).split(/\n+/)) {
    const pieces = line.match(/[^.!?…。！？]+(?:[.!?…。！？]+["'”’)\]]*|$)/g) ?? [];
    for (const piece of pieces) out.push(...cut(piece.trim()));
  }
  return out.filter((s) => /[\p{L}\p{N}]/u.test(s));
}

/** Where `text` can be cut between finished sentences (after `.!?…` and a space, or a line end); 0: nowhere yet. */
function lastBoundary(text: string): number {
  let end = 0;
  for (const match of text.matchAll(/[.!?…。！？]+["'”’)\]]*\s|\n/g)) end = match.index + match[0].length;
  // Never inside an open code block: it is left out as a whole, once closed.
  const prefix = text.slice(0, end);
  if ((prefix.match(/```/g)?.length ?? 0) % 2 === 1) return prefix.lastIndexOf('```');
  return end;
}

/**
 * Sentences of a text that arrives in pieces (an answer as it streams): `push` gives the
 * sentences finished so far, `flush` the rest at the end.
 */
export class SentenceStream {
  #buffer = '';

  push(piece: string): string[] {
    this.#buffer += piece;
    const end = lastBoundary(this.#buffer);
    if (end === 0) return [];
    const done = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end);
    return sentencesOf(done);
  }

  flush(): string[] {
    const rest = this.#buffer;
    this.#buffer = '';
    return sentencesOf(rest);
  }
}

/** A sentence cut into pieces of at most MAX_SENTENCE characters. */
function cut(sentence: string): string[] {
  const pieces: string[] = [];
  let rest = sentence;
  while (rest.length > MAX_SENTENCE) {
    const window = rest.slice(0, MAX_SENTENCE);
    const at = Math.max(window.lastIndexOf(', '), window.lastIndexOf(' '));
    const end = at > MAX_SENTENCE / 3 ? at + 1 : MAX_SENTENCE;
    pieces.push(rest.slice(0, end).trim());
    rest = rest.slice(end).trim();
  }
  if (rest) pieces.push(rest);
  return pieces;
}
