// POST /api/jobs: starts a job and streams its events (or resumes, given Last-Event-ID).
import { jobs } from '../../../lib/jobs';

export const POST = (request: Request) => jobs.start(request);
