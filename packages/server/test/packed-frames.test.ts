/**
 * A finished log's frames packed into one byte array come back as they went in, from any
 * index, multi-byte text intact; a lone surrogate (which JSON never writes) comes back as
 * U+FFFD, the character a client receives for it, and the frames around it are unmoved.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeJoined, packedCount, packFrames, unpackFrames, writeEach } from '../src/packed-frames.ts';
import { utf8Length } from '../src/utf8.ts';

const bytesOf = (frames: string[]) => frames.reduce((sum, f) => sum + utf8Length(f), 0);

test('frames come back exactly, from any index; the count is kept', () => {
  const frames = [
    'id: s:1\nevent: hello\ndata: {}\n\n',
    'id: s:2\nevent: delta\ndata: {"text":"مرحبا"}\n\n',
    'id: s:3\nevent: delta\ndata: {"text":"🌊 ✓ é"}\n\n',
    '',
    'id: s:5\nevent: done\ndata: {"reason":"stop"}\n\n',
  ];
  const bytes = bytesOf(frames);
  const packed = packFrames(frames, bytes);
  assert.equal(packed.length, frames.length * 4 + bytes, 'the ends, then the UTF-8 of the frames');
  assert.equal(packedCount(packed, bytes), frames.length);
  for (let from = 0; from <= frames.length; from++)
    assert.deepEqual(unpackFrames(packed, bytes, from), frames.slice(from));
});

test('no frames pack to nothing', () => {
  assert.deepEqual(unpackFrames(packFrames([], 0), 0), []);
});

test('a lone surrogate comes back as U+FFFD, as it goes on the wire; the other frames are unmoved', () => {
  const frames = ['a\ud800b', 'next ✓'];
  const bytes = bytesOf(frames);
  const [first, second] = unpackFrames(packFrames(frames, bytes), bytes);
  assert.equal(first, 'a\ufffdb');
  assert.deepEqual(new TextEncoder().encode(first), new TextEncoder().encode(frames[0]));
  assert.equal(second, 'next ✓');
});

test('a byte count that is not the frames’ UTF-8 length is refused, not packed wrong', () => {
  assert.throws(() => packFrames(['✓'], 1), /counted as 1/);
});

test('on Node each frame is written in place, byte for byte what the Web path writes', () => {
  assert.ok(writeEach, 'Node has the native writer');
  const frames = ['id: s:1\nevent: delta\ndata: {"text":"مرحبا 🌊"}\n\n', 'a\ud800b', '', 'é✓'];
  const bytes = bytesOf(frames);
  assert.deepEqual(packFrames(frames, bytes, writeEach), packFrames(frames, bytes, encodeJoined));
  for (const write of [writeEach, encodeJoined]) {
    assert.throws(() => packFrames(['✓', 'x'], 2, write), /counted as 2/);
    assert.throws(() => packFrames(['x'], 3, write), /packed 1 bytes of frames counted as 3/);
  }
});
