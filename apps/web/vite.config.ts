/**
 * Builds the chat page (and the benchmark page) into apps/web/dist. Workspace packages
 * resolve to their TypeScript sources; JSX goes through Vite's oxc transform for Preact.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  resolve: { conditions: ['tidewire-source', 'module', 'browser', 'import', 'default'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { index: here('index.html'), bench: here('bench.html') } },
  },
});
