/**
 * The root README's "Use the library" snippet is the Express example, line for line (only its
 * `listen` call is shortened), so the first code a new user reads is code the tests run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

test("the README's Express snippet is the Express example's code", () => {
  const readme = read('../../README.md');
  const section = readme.slice(readme.indexOf('## Use the library'));
  const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(snippet, 'the section has a ts code block');
  const example = new Set(read('../express/server.ts').split('\n'));
  const lines = snippet.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('app.listen('));
  assert.ok(lines.length >= 15, 'the snippet is the whole server');
  for (const line of lines) assert.ok(example.has(line), `not in examples/express/server.ts: ${line}`);
});
