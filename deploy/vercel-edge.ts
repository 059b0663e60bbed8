/**
 * Vercel Edge Function entry (for example `api/[...path].ts` re-exporting this file). Limits
 * per IP count the address Vercel saw (`x-real-ip`, which Vercel sets and clients cannot).
 * See deploy/README.md for the platform's limits on long streams.
 * @module
 */
import { createEdgeApp } from './edge-app.ts';

export const config = { runtime: 'edge' };

const app = createEdgeApp(typeof process === 'undefined' ? {} : process.env, { webSockets: false });

export default function handler(request: Request): Response | Promise<Response> {
  return app.fetch(request, { clientAddress: request.headers.get('x-real-ip') ?? undefined });
}
