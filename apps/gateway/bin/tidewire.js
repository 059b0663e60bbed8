#!/usr/bin/env node
// The `tidewire` command (through npm/npx too). Installed from the package, it runs the built
// CLI (dist/). In a checkout of the repository (src/ beside bin/) it runs the TypeScript
// sources by Node's type stripping instead, with the workspace packages resolved to their
// sources under the `tidewire-source` condition, which a resolve hook adds. The CLI runs in
// this process, so signals (Ctrl-C, a service manager's SIGTERM) reach it directly and its
// exit code is ours.
import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `tidewire needs Node.js 22.18 or later (24 recommended); this is ${process.version}\n`,
  );
  process.exit(1);
}

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  if (!process.features.typescript) {
    process.stderr.write(
      'tidewire from the repository runs TypeScript: Node.js type stripping is turned off\n',
    );
    process.exit(1);
  }
  nodeModule.registerHooks({
    resolve(specifier, context, nextResolve) {
      const conditions = [...(context.conditions ?? []), 'tidewire-source'];
      return nextResolve(specifier, { ...context, conditions });
    },
  });
  await import(source.href);
} else {
  await import('../dist/cli/main.js');
}
