/**
 * Test support: a real nginx (Debian's) in a temp dir, in the foreground, on free loopback
 * ports, serving the repository's example site (infra/nginx/tidewire.conf) with its include
 * (sse.conf) pointed at a test gateway and a test certificate. Stopped by PID.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './gateway.ts';
import { freePort } from './ports.ts';
import { selfSignedCertificate } from './tls.ts';

export interface TestNginx {
  /** The example's TLS server, but on plain HTTP (for byte-level tests without TLS). */
  http: string;
  /** The example's TLS server (HTTP/2). */
  https: string;
  /** The example's port-80 server (redirects to HTTPS). */
  redirect: string;
  close(): Promise<void>;
}

export interface NginxOptions {
  /** Replacements `[from, to]` in sse.conf (a control that breaks it on purpose); each must match. */
  sseEdits?: [string, string][];
}

/** Replaces every `from` in `text`; throws when there is none (the example changed shape). */
function substitute(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`infra/nginx: expected to find "${from}"`);
  return text.replaceAll(from, to);
}

/** Times nginx is started on fresh ports when one was taken between choosing and binding it. */
const START_ATTEMPTS = 3;

export async function startNginx(gatewayUrl: string, options: NginxOptions = {}): Promise<TestNginx> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startNginxOnce(gatewayUrl, options);
    } catch (error) {
      // A free port is only free when chosen: another test's process may bind it (or use it
      // as an outgoing connection's port) before nginx does. Fresh ports, then.
      if (attempt === START_ATTEMPTS || !(error as NginxStartError).portTaken) throw error;
    }
  }
}

async function startNginxOnce(gatewayUrl: string, options: NginxOptions): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'tw-nginx-'));
  const tls = selfSignedCertificate();
  const [httpPort, httpsPort, redirectPort] = [await freePort(), await freePort(), await freePort()];
  const upstream = new URL(gatewayUrl).host;
  let sse = readFileSync(join(ROOT, 'infra/nginx/sse.conf'), 'utf8');
  for (const [from, to] of options.sseEdits ?? []) sse = substitute(sse, from, to);
  writeFileSync(join(dir, 'sse.conf'), sse);
  const substitutions: [string, string][] = [
    ['server 127.0.0.1:5000;', `server ${upstream};`],
    ['/etc/ssl/tidewire/fullchain.pem', tls.cert],
    ['/etc/ssl/tidewire/privkey.pem', tls.key],
    ['/etc/nginx/snippets/tidewire-sse.conf', join(dir, 'sse.conf')],
  ];
  let site = readFileSync(join(ROOT, 'infra/nginx/tidewire.conf'), 'utf8');
  for (const [from, to] of substitutions) site = substitute(site, from, to);
  // The example's upstream, redirect and TLS servers as they are, on test ports; the TLS server
  // once more on plain HTTP, for byte-level tests without TLS.
  const upstreamBlock = site.slice(0, site.indexOf('server {'));
  const redirectServer = substitute(
    site.slice(site.indexOf('server {'), site.lastIndexOf('server {')),
    'listen 80;',
    `listen 127.0.0.1:${redirectPort};`,
  );
  const tlsServer = substitute(
    site.slice(site.lastIndexOf('server {')),
    'listen 443 ssl http2;',
    `listen 127.0.0.1:${httpsPort} ssl http2;`,
  );
  const plainServer = substitute(
    tlsServer,
    `listen 127.0.0.1:${httpsPort} ssl http2;`,
    `listen 127.0.0.1:${httpPort};`,
  ).replace(/ssl_\w+ [^;]+;/g, '');
  const nginx = await runNginx(
    dir,
    `${upstreamBlock}
${redirectServer}
${tlsServer}
${plainServer}`,
    `http://127.0.0.1:${httpPort}/healthz`,
  ).catch((error: unknown) => {
    rmSync(tls.dir, { recursive: true, force: true });
    throw error;
  });
  return {
    http: `http://127.0.0.1:${httpPort}`,
    https: `https://127.0.0.1:${httpsPort}`,
    redirect: `http://127.0.0.1:${redirectPort}`,
    async close() {
      await nginx.close();
      rmSync(tls.dir, { recursive: true, force: true });
    },
  };
}

/** Why nginx did not start; `portTaken` when one of its ports was in use. */
export interface NginxStartError extends Error {
  portTaken: boolean;
}

export interface RunningNginx {
  /** Stops nginx and removes its folder. */
  close(): Promise<void>;
}

/**
 * Runs nginx in the foreground in `dir` (a fresh temp folder, also its prefix: relative
 * `include` paths resolve there) with `servers` inside a minimal `http` block, and waits until
 * `readyUrl` answers 2xx through it. Rejects with nginx's own message when it refuses the config.
 */
export async function runNginx(dir: string, servers: string, readyUrl: string): Promise<RunningNginx> {
  for (const sub of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(join(dir, sub), { recursive: true });
  const config = `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${servers}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (d) => {
    errors += d;
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      // Fast shutdown: a graceful one (SIGQUIT) would wait for open streams to end.
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const failed = async (why: string): Promise<never> => {
    const log = [errors, readIfThere(join(dir, 'error.log'))].join('\n').trim();
    await close();
    const error = new Error(`nginx ${why}: ${log || '(nothing in its error log)'}`) as NginxStartError;
    error.portTaken = /Address already in use/.test(log);
    throw error;
  };
  // Generous: on a loaded 2-core machine (test files run in parallel) nginx once took over 5 s.
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) await failed('exited');
    // Bounded: a port that accepts and never answers must not hold the check past its deadline.
    const up = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) await failed('did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { close };
}

function readIfThere(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}
