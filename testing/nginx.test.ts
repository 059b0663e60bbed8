/**
 * The nginx test helper's own failures: a port taken between choosing it and nginx binding it
 * is told apart (so `startNginx` tries fresh ports), with nginx's own message, and nothing is
 * left running.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type NginxStartError, runNginx } from './nginx.ts';

test('nginx on a port already in use: refused with its own message, marked portTaken', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as { port: number };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'tw-nginx-taken-'));
    const server = `server { listen 127.0.0.1:${port}; location / { return 204; } }`;
    await assert.rejects(runNginx(dir, server, `http://127.0.0.1:${port}/`), (error: NginxStartError) => {
      assert.match(error.message, /^nginx exited: .*Address already in use/s);
      assert.equal(error.portTaken, true);
      return true;
    });
  } finally {
    taken.close();
  }
});
