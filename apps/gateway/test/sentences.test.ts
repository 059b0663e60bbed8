/**
 * What is read aloud: Markdown reduced to speech, cut into sentences; and the same cut made
 * while the text arrives in pieces (an answer as it streams), each sentence given as soon as
 * it is finished, never from inside an open code block.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SentenceStream, sentencesOf, speakable } from '../src/media/sentences.ts';

test('Markdown becomes what a reader would say', () => {
  assert.equal(
    speakable('## Title\n- **bold** and `code` and [a link](http://x)'),
    'Title\nbold and code and a link',
  );
  assert.deepEqual(sentencesOf('Hi there. ```js\nlet x = 1;\n``` Done!'), [
    'Hi there.',
    '(code omitted)',
    'Done!',
  ]);
  assert.deepEqual(sentencesOf('   \n\n'), []);
});

test('sentences are cut at their ends, long ones at a comma or a space', () => {
  assert.deepEqual(sentencesOf('One. Two? Three!\nFour'), ['One.', 'Two?', 'Three!', 'Four']);
  const long = `${'word '.repeat(100)}end.`;
  const pieces = sentencesOf(long);
  assert.ok(pieces.length > 1 && pieces.every((p) => p.length <= 240));
  assert.equal(pieces.join(' '), long);
});

test('a streamed text gives each sentence once it is finished, and the same sentences as whole', () => {
  const text = 'First one. Second one is longer! ```\ncode. more code.\n``` After the code. Last';
  const stream = new SentenceStream();
  const got: string[][] = [];
  for (const piece of text.match(/.{1,7}/gs)!) got.push(stream.push(piece));
  got.push(stream.flush());
  assert.deepEqual(got.flat(), sentencesOf(text));
  assert.ok(
    got.findIndex((s) => s.includes('First one.')) < got.length - 3,
    'the first sentence comes early',
  );
  assert.ok(!got.flat().some((s) => s.includes('more code')), 'nothing of the code block is spoken');
});
