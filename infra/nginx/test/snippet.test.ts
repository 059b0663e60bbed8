/**
 * sse.conf used the way infra/nginx/README.md documents it, word for word: included in the
 * user's own location, next to the user's own `proxy_pass` to an upstream of any name.
 * Real nginx accepts that config (the snippet holds no `proxy_pass` of its own, which would be
 * "duplicate") and a stream passes through it whole.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { demoAnswer } from '../../../apps/gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { ROOT, startTestGateway } from '../../../testing/gateway.ts';
import { type RunningNginx, runNginx } from '../../../testing/nginx.ts';
import { freePort } from '../../../testing/ports.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';

let gateway: Gateway;
let nginx: RunningNginx | undefined;
let base: string;
before(async () => {
  gateway = await startTestGateway();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // nginx's prefix folder holds `infra` (the repository's own, linked), so the include below is
  // the documented relative path.
  const dir = mkdtempSync(join(tmpdir(), 'tw-nginx-snippet-'));
  symlinkSync(join(ROOT, 'infra'), join(dir, 'infra'));
  const documented = `
upstream backend {
    server ${new URL(gateway.url).host};
    keepalive 8;
}
server {
    listen 127.0.0.1:${port};
    location / {
        include infra/nginx/sse.conf;
        proxy_pass http://backend;
    }
}`;
  nginx = await runNginx(dir, documented, `${base}/healthz`);
});
after(async () => {
  await nginx?.close();
  await gateway?.shutdown();
});

test('the documented include + proxy_pass starts nginx, and a stream passes whole', async () => {
  const q = 'through the documented snippet';
  const { status, events, ended } = await collectSSE(`${base}/api/v1/stream/chat?q=${encodeURIComponent(q)}`);
  assert.equal(status, 200);
  assert.ok(ended);
  assert.equal(events.at(-1)?.event, 'done');
  assert.equal(answerOf(events), demoAnswer(q));
});

test('a resume with Last-Event-ID passes through the documented snippet', async () => {
  const q = 'resume through the documented snippet';
  const first = await collectSSE(`${base}/api/v1/stream/chat?q=${encodeURIComponent(q)}`);
  const cut = first.events[3]!;
  const rest = await collectSSE(`${base}/api/v1/stream/chat`, {
    headers: { 'last-event-id': `${cut.streamId}:${cut.seq}` },
  });
  assert.equal(rest.status, 200);
  assert.equal(rest.events[0]?.seq, cut.seq! + 1, 'continues with the next event');
  assert.equal(answerOf([...first.events.slice(0, 4), ...rest.events]), demoAnswer(q));
});
