/**
 * UTF-8 byte length of a string without encoding it: bounds and byte metrics must count what
 * goes on the wire, not UTF-16 code units (a Chinese answer is three bytes a character).
 * @module
 */

export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a surrogate pair: 2 code units, 4 bytes
        i++;
      } else bytes += 2; // a lone surrogate becomes U+FFFD: 3 bytes
    } else bytes += 2;
  }
  return bytes;
}
