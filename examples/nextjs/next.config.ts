import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

// The job module is shared with the other examples, one folder up.
const examples = fileURLToPath(new URL('..', import.meta.url));

export default { turbopack: { root: examples }, outputFileTracingRoot: examples } satisfies NextConfig;
