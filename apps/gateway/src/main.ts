/**
 * `npm start`: reads the configuration, starts the gateway, prints the one `listening on`
 * line on stdout, and shuts down gracefully on SIGTERM / SIGINT.
 * @module
 */
import { ConfigError, loadConfig } from './config.ts';
import { startGateway } from './server.ts';

export async function main(): Promise<void> {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway(loadConfig());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`tidewire: ${error.message}\n`);
    process.exit(2);
  }
  let stopping = false;
  const stop = (signal: string) => {
    gateway.logger.info({ signal }, 'signal received');
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    gateway.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // Handlers first: a caller may send SIGTERM the moment it reads the listening line.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.stdout.write(`listening on ${gateway.url}\n`);
}

if (import.meta.main) await main();
