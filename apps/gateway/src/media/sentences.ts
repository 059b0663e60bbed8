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
    .replace(/```[\s\S]*?(```|$)/g, ' (code omitted) ')
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
