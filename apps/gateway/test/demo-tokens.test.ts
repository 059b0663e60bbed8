/**
 * The demo model's tokens: read one at a time from any offset (`tokensFrom`, a hand-written
 * scanner) they are exactly the tokens `tokenize` finds with the regular expression — each
 * word with the whitespace before it, every kind of whitespace `\s` knows — and joined they
 * give the text back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { tokenize, tokensFrom } from '../src/models/demo-answer.ts';

const pieces = [
  'a',
  'word',
  'é',
  '😀',
  'ك',
  '日本',
  '.',
  ' ',
  '  ',
  '\n',
  '\t',
  '\r\n',
  '\u00a0',
  '\u2003',
  '\u3000',
  '\ufeff',
  '\u2028',
  '\u0085',
  '\u200b',
];
const texts = fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((p) => p.join(''));

test('tokensFrom gives the tokens tokenize finds, from any offset', () => {
  fc.assert(
    fc.property(texts, fc.nat(), (text, n) => {
      assert.deepEqual([...tokensFrom(text)], tokenize(text));
      const offset = text.length === 0 ? 0 : n % text.length;
      assert.deepEqual([...tokensFrom(text, offset)], tokenize(text.slice(offset)));
      assert.equal([...tokensFrom(text)].join(''), text);
    }),
    { numRuns: 500 },
  );
});

test('a word keeps the whitespace before it; trailing whitespace is a token of its own', () => {
  assert.deepEqual([...tokensFrom(' Hello,\u00a0world \n')], [' Hello,', '\u00a0world', ' \n']);
});
