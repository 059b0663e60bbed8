// GET /api/jobs/:id resumes a job's stream (Last-Event-ID or ?after=); DELETE cancels it.
import { jobs } from '../../../../lib/jobs';

type Context = { params: Promise<{ id: string }> };

export const GET = async (request: Request, { params }: Context) => jobs.resume(request, (await params).id);
export const DELETE = async (request: Request, { params }: Context) =>
  jobs.cancel(request, (await params).id);
