/**
 * Test support: a gateway process on the durable stream store, on a data directory and port of
 * the test's choosing, so a test can kill it and start another on the same data and address.
 * @module
 */
import { join } from 'node:path';
import { type SpawnedServer, spawnGateway } from './gateway.ts';

/** Starts a gateway whose stream logs and conversations live in `data`, listening on `port`. */
export function spawnDurableGateway(
  data: string,
  port: number,
  env: Record<string, string> = {},
): Promise<SpawnedServer> {
  return spawnGateway({
    STREAM_STORE: 'durable',
    STREAM_STORE_PATH: join(data, 'streams.db'),
    DATABASE_URL: `sqlite:${join(data, 'tidewire.db')}`,
    PORT: String(port),
    ...env,
  });
}

/** Kills `server` with `signal` and resolves once the process has exited. */
export async function killAndWait(server: SpawnedServer, signal: NodeJS.Signals): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill(signal);
  await exited;
}
