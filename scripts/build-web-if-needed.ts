/**
 * `npm start` and `npm run bench` run this first: builds the chat page (and the render
 * benchmark's page) when apps/web/dist is missing, so the quick start serves it and the bench
 * measures it without a separate step.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../apps/web/dist/index.html', import.meta.url))) {
  process.stderr.write('building the chat page (apps/web)…\n');
  execFileSync('npm', ['run', '-s', 'build', '-w', '@tidewire/web'], {
    stdio: 'inherit',
    cwd: new URL('..', import.meta.url),
  });
}
