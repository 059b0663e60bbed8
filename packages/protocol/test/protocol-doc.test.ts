/**
 * docs/PROTOCOL.md stays true to the protocol package: every event the package defines has a
 * row in the events table, and every row the document marks as served is an event the
 * package defines.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EVENT_NAMES } from '../src/events.ts';

const doc = readFileSync(new URL('../../../docs/PROTOCOL.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('### Events'), doc.indexOf('### How a stream ends'));
/** Rows of the events table: `| \`name\` | data | when | status |`. */
const rows = [...section.matchAll(/^\| `([a-z_]+)` \|.*\| ([^|]+) \|$/gm)].map(([, name, status]) => ({
  name: name!,
  status: status!.trim(),
}));

test('every event of the protocol package is documented', () => {
  const documented = new Set(rows.map((r) => r.name));
  for (const name of EVENT_NAMES)
    assert.ok(documented.has(name), `docs/PROTOCOL.md has no row for "${name}"`);
});

test('every event the document says is served is one the package defines', () => {
  const served = rows.filter((r) => r.status === 'served');
  assert.ok(served.length >= 8, 'the events table was found');
  for (const { name } of served)
    assert.ok((EVENT_NAMES as string[]).includes(name), `"${name}" is marked served but not defined`);
});
