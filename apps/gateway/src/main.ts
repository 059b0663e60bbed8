/**
 * `npm start`: reads the configuration, starts the gateway, prints the one `listening on`
 * line on stdout, and shuts down gracefully on SIGTERM / SIGINT. A start that cannot succeed
 * (a bad setting, an unreachable Redis or PostgreSQL, a taken address) ends with one line on
 * stderr; those checks run before the gateway's own modules load, so they answer in seconds.
 * @module
 */
import { ConfigError, loadConfig } from './config.ts';
import type { Gateway } from './server.ts';
import { checkAddress, checkDependencies, StartupError } from './startup-checks.ts';

export async function main(): Promise<void> {
  let gateway: Gateway;
  try {
    const config = loadConfig();
    await checkAddress(config.HOST, config.PORT);
    await checkDependencies(config);
    const { startGateway } = await import('./server.ts');
    gateway = await startGateway(config);
  } catch (error) {
    // A bad setting (exit 2) or an unreachable service / taken address (exit 1): one line, no stack.
    if (!(error instanceof ConfigError || error instanceof StartupError)) throw error;
    process.stderr.write(`tidewire: ${error.message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
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
