/**
 * Vercel Edge Function entry (for example `api/[...path].ts` re-exporting this file).
 * See deploy/README.md for the platform's limits on long streams.
 * @module
 */
import { createEdgeApp } from './edge-app.ts';

export const config = { runtime: 'edge' };

const app = createEdgeApp(typeof process === 'undefined' ? {} : process.env, { webSockets: false });

export default function handler(request: Request): Response | Promise<Response> {
  return app.fetch(request);
}
