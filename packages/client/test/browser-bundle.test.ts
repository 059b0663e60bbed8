/**
 * What a web page downloads for `@tidewire/client`: the client and the parts of
 * `@tidewire/protocol` it uses, and no dependency. The chat events are still checked (by the
 * protocol's own checks, not a schema library such as zod, which alone would weigh more
 * than the client).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bundleForBrowsers } from '../../../testing/browser-bundle.ts';

test("a page's bundle of SSEConsumer and AdaptiveTypewriter holds tidewire's code only, chat checks included", async () => {
  const bundle = await bundleForBrowsers(
    "export { AdaptiveTypewriter, SSEConsumer } from '@tidewire/client';",
  );
  const packages = bundle.modules.map((id) => /\/packages\/([^/]+)\//.exec(id)?.[1] ?? id);
  assert.deepEqual([...new Set(packages)].sort(), ['client', 'protocol']);
  assert.ok(!bundle.modules.some((id) => id.includes('/node_modules/')), 'no dependency is bundled');
  assert.ok(
    bundle.modules.some((id) => id.endsWith('/protocol/src/chat-checks.ts')),
    'the chat events are checked',
  );
});

test('the WebSocket transport is a chunk of its own, which a page downloads only when it uses it', async () => {
  const bundle = await bundleForBrowsers("export { SSEConsumer } from '@tidewire/client';");
  const atLoad = bundle.atLoad.flatMap((chunk) => chunk.modules).map((id) => id.split('/packages/')[1]);
  const lazy = bundle.lazy.flatMap((chunk) => chunk.modules).map((id) => id.split('/packages/')[1]);
  assert.ok(atLoad.includes('client/src/sse-consumer.ts'), 'the consumer is loaded with the page');
  assert.equal(bundle.lazy.length, 1, 'one lazy chunk');
  assert.deepEqual(
    lazy.sort(),
    ['client/src/transport-strikes.ts', 'client/src/websocket-connection.ts', 'protocol/src/websocket.ts'],
    'the lazy chunk holds the transport and what only it uses; what it shares with the consumer comes from the page',
  );
  assert.deepEqual(
    atLoad.filter((id) => lazy.includes(id)),
    [],
    'nothing is in both',
  );
});
