/**
 * `GET /api/v1/streams/:id/artifacts/:n`: a stream's binary results (images, audio chunks),
 * under the stream's own rules: the same owner (a stranger gets the same 404 as for an unknown
 * one) and the same retention. An artifact never changes once stored, so it is cached as
 * private and immutable.
 * @module
 */
import type { Hono } from 'hono';
import { ownedBy } from '../chat-engine.ts';
import { badRequest, notFound } from '../errors.ts';
import type { AppEnv, StreamServices } from '../services.ts';

/** The path of artifact `n` of a stream, as events name it. */
export const artifactPath = (streamId: string, n: number) =>
  `/api/v1/streams/${encodeURIComponent(streamId)}/artifacts/${n}`;

export function artifactRoutes(app: Hono<AppEnv>, services: Pick<StreamServices, 'engine'>): void {
  app.get('/api/v1/streams/:id/artifacts/:n', async (c) => {
    const streamId = c.req.param('id');
    const raw = c.req.param('n');
    if (!/^[1-9]\d{0,8}$/.test(raw))
      throw badRequest('bad_request', `artifact number "${raw}" is not a positive integer`);
    const artifact = await services.engine.artifact(streamId, Number(raw), {
      authorize: ownedBy(c.get('user')),
    });
    if (!artifact)
      throw notFound('not_found', `artifact ${raw} of stream ${streamId} is unknown or has expired`);
    return c.body(artifact.bytes as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': artifact.type,
      'Content-Length': String(artifact.bytes.byteLength),
      'Cache-Control': 'private, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    });
  });
}
