#!/usr/bin/env node
// The `tidewire` command: runs the CLI's TypeScript sources with the workspace's source
// condition, on the Node.js that started this script (Node 24 through npm/npx).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`tidewire needs Node.js 22 or later (24 recommended); this is ${process.version}\n`);
  process.exit(1);
}
const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const result = spawnSync(process.execPath, ['--conditions=tidewire-source', main, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
