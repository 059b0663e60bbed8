/**
 * `tidewire doctor URL [URL2]`: checks a deployed streaming path the way the guide's
 * troubleshooting does by hand, and names each problem with its fix for nginx, Cloudflare and
 * Vercel. It asks one question (one generation), then reads the stream back through resumes:
 * response buffering (arrival times against the stream's own time), compression of the event
 * stream, a stripped `Last-Event-ID`, resume by `?after=`, resume on a second instance, a
 * proxy idle timeout shorter than the heartbeat (a quiet stream from `/api/v1/stream/idle`),
 * and HTTP/1.1 only (a warning: six connections per origin in browsers).
 * @module
 */
import { connect } from 'node:http2';
import { createParser } from '@tidewire/protocol';

export type Severity = 'problem' | 'warning';

export interface Finding {
  check: string;
  severity: Severity;
  message: string;
  /** How to fix it, by platform. */
  fix: { nginx: string; cloudflare: string; vercel: string };
}

export interface DoctorReport {
  /** Checks that ran. */
  checked: string[];
  findings: Finding[];
  /** Set when the endpoint could not be checked at all. */
  unreachable?: string;
}

export interface DoctorOptions {
  token?: string;
  /** A second instance (or the same load-balanced URL) to resume on. */
  second?: string;
  timeoutMs?: number;
}

interface Arrived {
  seq?: number;
  streamId?: string;
  event: string;
  data: string;
  /** ms after the request was sent. */
  at: number;
}

interface Read {
  status: number;
  headers: Headers;
  events: Arrived[];
  ms: number;
}

const FIXES: Record<string, Finding['fix']> = {
  buffering: {
    nginx:
      'proxy_buffering off; (or keep the X-Accel-Buffering: no header: no proxy_ignore_headers) — include infra/nginx/sse.conf',
    cloudflare:
      'do not put the stream behind a Worker that reads the whole body; disable "Rocket Loader"/response buffering rules for /api/',
    vercel:
      'stream from a Node or Edge function that returns the response as it is written (no `await response.text()` in middleware)',
  },
  compression: {
    nginx:
      'gzip off; in the stream locations (infra/nginx/sse.conf), or drop text/event-stream from gzip_types',
    cloudflare: 'a Compression Rule that disables compression for Content-Type text/event-stream',
    vercel: 'send Cache-Control: no-transform (tidewire does) and do not compress in middleware',
  },
  last_event_id: {
    nginx:
      'proxy_set_header Last-Event-ID $http_last_event_id; (infra/nginx/sse.conf) and no rule that clears it',
    cloudflare: 'remove the Transform Rule that drops the Last-Event-ID request header',
    vercel: 'pass the Last-Event-ID header through rewrites and middleware',
  },
  resume: {
    nginx: 'route /api/v1/streams/ to the gateway like the start (same location settings)',
    cloudflare: 'do not cache /api/v1/streams/ (Cache Rule: bypass) and route it to the gateway',
    vercel: 'route /api/v1/streams/[id] to the same function as the start',
  },
  resume_across_instances: {
    nginx: 'give every instance the same REDIS_URL (a shared stream store); sticky sessions are not needed',
    cloudflare: 'set REDIS_URL on every origin (a shared stream store) behind the load balancer',
    vercel: 'functions do not share memory: set REDIS_URL (a shared stream store)',
  },
  idle_timeout: {
    nginx:
      'proxy_read_timeout 1h; proxy_send_timeout 1h; (infra/nginx/sse.conf): longer than SSE_HEARTBEAT_MS',
    cloudflare:
      'Cloudflare cuts idle responses after 100 s: keep SSE_HEARTBEAT_MS well below it (default 20 s)',
    vercel: 'raise the function maxDuration; keep SSE_HEARTBEAT_MS below any proxy idle timeout in front',
  },
  http1: {
    nginx: 'listen 443 ssl http2; (or http2 on;) so browsers can open more than six streams per origin',
    cloudflare: 'HTTP/2 is on at the edge by default: check that the zone does not disable it',
    vercel: 'Vercel serves HTTP/2: check any proxy in front of it',
  },
};

const finding = (check: string, severity: Severity, message: string): Finding => ({
  check,
  severity,
  message,
  fix: FIXES[check]!,
});

/** Reads one event stream to its end (or the timeout), with each event's arrival time. */
async function readStream(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Read> {
  const began = performance.now();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const events: Arrived[] = [];
  if (!response.ok || !response.body)
    return { status: response.status, headers: response.headers, events, ms: 0 };
  let now = 0;
  const parser = createParser({
    onEvent(e) {
      const [streamId, seq] = e.id
        ? [e.id.slice(0, e.id.lastIndexOf(':')), Number(e.id.slice(e.id.lastIndexOf(':') + 1))]
        : [];
      events.push({ event: e.event ?? 'message', data: e.data, seq, streamId, at: now });
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      now = performance.now() - began;
      parser.feed(decoder.decode(value, { stream: true }));
      if (events.at(-1)?.event === 'done') break;
    }
  } catch {
    // A cut or the timeout: what arrived is judged.
  }
  await reader.cancel().catch(() => {});
  return { status: response.status, headers: response.headers, events, ms: performance.now() - began };
}

const ids = (events: Arrived[]) => events.filter((e) => e.seq !== undefined);

/**
 * Events arriving in bursts: a stream that took seconds (the server sends as the model
 * writes, every few tens of ms) whose events came in a handful of reads at most.
 */
function buffered(read: Read): boolean {
  const stamped = ids(read.events);
  const last = stamped.at(-1)?.at ?? 0;
  if (stamped.length < 20 || last < 1000) return false;
  let bursts = 1;
  for (let i = 1; i < stamped.length; i++) if (stamped[i]!.at - stamped[i - 1]!.at > 20) bursts++;
  return bursts < 5;
}

/** Whether the origin of an https URL speaks HTTP/2 (ALPN); false for plain http. */
function speaksHttp2(url: URL): Promise<boolean> {
  if (url.protocol !== 'https:') return Promise.resolve(false);
  return new Promise((resolve) => {
    const session = connect(url.origin, { rejectUnauthorized: false });
    const done = (ok: boolean) => {
      session.destroy();
      resolve(ok);
    };
    session.once('connect', () => done(true));
    session.once('error', () => done(false));
    setTimeout(() => done(false), 3000).unref();
  });
}

export async function runDoctor(base: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const root = base.replace(/\/+$/, '');
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const timeoutMs = options.timeoutMs ?? 60_000;
  const report: DoctorReport = { checked: [], findings: [] };
  let first: Read;
  try {
    first = await readStream(
      `${root}/api/v1/stream/chat?q=${encodeURIComponent('tidewire doctor')}`,
      auth,
      timeoutMs,
    );
  } catch (error) {
    return { ...report, unreachable: `cannot reach ${root}: ${(error as Error).message}` };
  }
  const stamped = ids(first.events);
  if (first.status !== 200 || stamped.at(-1)?.event !== 'done') {
    const why = first.status !== 200 ? `status ${first.status}` : 'the stream did not reach its done event';
    return { ...report, unreachable: `could not read a whole stream from ${root} (${why})` };
  }
  const streamId = stamped[0]!.streamId!;
  const middle = Math.floor(stamped.length / 2);
  const rest = stamped.slice(middle).map((e) => `${e.seq} ${e.event} ${e.data}`);

  report.checked.push('compression');
  const encoding = first.headers.get('content-encoding');
  if (encoding && encoding !== 'identity')
    report.findings.push(
      finding(
        'compression',
        'problem',
        `the event stream is compressed (${encoding}): events wait in the compressor`,
      ),
    );

  report.checked.push('buffering');
  if (buffered(first))
    report.findings.push(
      finding('buffering', 'problem', 'events arrive in one burst at the end: a proxy buffers the response'),
    );

  const sameEvents = (read: Read) =>
    ids(read.events)
      .map((e) => `${e.seq} ${e.event} ${e.data}`)
      .join('\n') === rest.join('\n');
  report.checked.push('last_event_id');
  const byHeader = await readStream(
    `${root}/api/v1/streams/${streamId}`,
    { ...auth, 'last-event-id': `${streamId}:${middle}` },
    timeoutMs,
  );
  if (!sameEvents(byHeader))
    report.findings.push(
      finding(
        'last_event_id',
        'problem',
        `a resume with Last-Event-ID ${streamId}:${middle} got the stream from event ${ids(byHeader.events)[0]?.seq ?? 'none'}: the header is stripped on the way`,
      ),
    );

  report.checked.push('resume');
  const byAfter = await readStream(`${root}/api/v1/streams/${streamId}?after=${middle}`, auth, timeoutMs);
  if (!sameEvents(byAfter))
    report.findings.push(
      finding(
        'resume',
        'problem',
        `a resume after event ${middle} (status ${byAfter.status}) did not give the rest of the stream`,
      ),
    );

  if (options.second) {
    report.checked.push('resume_across_instances');
    const other = options.second.replace(/\/+$/, '');
    const there = await readStream(`${other}/api/v1/streams/${streamId}?after=${middle}`, auth, timeoutMs);
    if (!sameEvents(there))
      report.findings.push(
        finding(
          'resume_across_instances',
          'problem',
          `${other} cannot resume a stream started on ${root} (status ${there.status})`,
        ),
      );
  }

  report.checked.push('idle_timeout');
  const quiet = await readStream(`${root}/api/v1/stream/idle`, auth, 150_000).catch(() => undefined);
  if (quiet?.status === 200 && quiet.events.at(-1)?.event !== 'done') {
    const seconds = Math.round(quiet.ms / 100) / 10;
    report.findings.push(
      finding(
        'idle_timeout',
        'problem',
        `a quiet stream was cut after ${seconds} s, before the server's heartbeat: a proxy idle timeout is shorter than SSE_HEARTBEAT_MS`,
      ),
    );
  } else if (quiet?.status !== 200) report.checked.pop();

  report.checked.push('http1');
  if (!(await speaksHttp2(new URL(root))))
    report.findings.push(
      finding('http1', 'warning', 'HTTP/1.1 only: a browser opens at most six streams per origin'),
    );
  return report;
}

/** The report for a terminal. */
export function formatDoctor(report: DoctorReport): string {
  if (report.unreachable) return `could not check: ${report.unreachable}`;
  const lines = [`checked: ${report.checked.join(', ')}`];
  for (const f of report.findings) {
    lines.push(`${f.severity === 'problem' ? 'PROBLEM' : 'warning'} ${f.check}: ${f.message}`);
    lines.push(`  nginx: ${f.fix.nginx}`, `  Cloudflare: ${f.fix.cloudflare}`, `  Vercel: ${f.fix.vercel}`);
  }
  if (!report.findings.some((f) => f.severity === 'problem')) lines.push('healthy: no problem found');
  return lines.join('\n');
}

/** 0 healthy (warnings allowed), 1 a problem found, 2 could not check. */
export function doctorExitCode(report: DoctorReport): number {
  if (report.unreachable) return 2;
  return report.findings.some((f) => f.severity === 'problem') ? 1 : 0;
}
