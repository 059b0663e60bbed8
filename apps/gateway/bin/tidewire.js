#!/usr/bin/env node
// The `tidewire` command (through npm/npx too). The CLI is TypeScript run by Node's type
// stripping; the workspace packages resolve to their sources under the `tidewire-source`
// condition, which a resolve hook adds here. The CLI runs in this process, so signals
// (Ctrl-C, a service manager's SIGTERM) reach it directly and its exit code is ours.
import * as nodeModule from 'node:module';

if (typeof nodeModule.registerHooks !== 'function' || !process.features.typescript) {
  process.stderr.write(
    `tidewire needs Node.js 22.18 or later (24 recommended); this is ${process.version}\n`,
  );
  process.exit(1);
}
nodeModule.registerHooks({
  resolve(specifier, context, nextResolve) {
    const conditions = [...(context.conditions ?? []), 'tidewire-source'];
    return nextResolve(specifier, { ...context, conditions });
  },
});
await import('../src/cli/main.ts');
