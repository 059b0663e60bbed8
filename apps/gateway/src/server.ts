/**
 * The Node entry: builds the services, serves the app with `node:http` (a flood of requests
 * enters it a few at a time, in arrival order: request-queue.ts), sends stream bodies
 * down the direct Node path, upgrades `/api/v1/ws` to WebSockets, and shuts down gracefully: stop accepting, let running
 * generations finish into the log (bounded), end open streams so clients resume, exit.
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { type Coordinator, MemoryStreamStore, type StreamStore, sseResponse } from '@tidewire/server';
import { writeSSE } from '@tidewire/server/node';
import { createApp } from './app.ts';
import { Auth } from './auth/auth.ts';
import { BearerTokens } from './auth/tokens.ts';
import { UserStore } from './auth/users.ts';
import { createChatEngine } from './chat-engine.ts';
import { type Config, ConfigError } from './config.ts';
import { ConversationStore } from './conversations/store.ts';
import { type Database, openDatabase } from './db/database.ts';
import { dropHonoCloseListener } from './hono-close.ts';
import { ConnectionLimit } from './limits/connection-limit.ts';
import { type LimitCounts, type LimitShape, StreamLimits } from './limits/stream-limits.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMediaProviders } from './media/media-providers.ts';
import { createMetrics } from './metrics/metrics.ts';
import { nodePostBody } from './models/node-post.ts';
import { createModelRegistry } from './models/registry.ts';
import { PendingWork } from './pending-work.ts';
import { DEFAULT_REQUEST_QUEUE, queueRequests } from './request-queue.ts';
import type { Log, Services } from './services.ts';
import { listenError, StartupError } from './startup-checks.ts';
import { takeOver } from './takeover.ts';
import { loadWebAssets } from './web-assets.ts';
import { createWebSocketGateway, type WebSocketGateway } from './websocket/node-upgrade.ts';

export interface Gateway {
  url: string;
  server: Server;
  services: Services & { db: Database };
  logger: Logger;
  /** The WebSockets of `/api/v1/ws`. */
  webSockets: WebSocketGateway;
  /** Graceful shutdown; resolves when the server is closed. */
  shutdown(): Promise<void>;
}

/**
 * The stream store and its coordinator: with Redis, of instances (and the stream limits'
 * counts, which the instances share too); with the durable store, of this process and its
 * next start, which continues the generations this one leaves running.
 */
async function createStore(
  config: Config,
  log: Log,
  onEvict: () => void,
  limits: LimitShape,
): Promise<{ store: StreamStore; coordinator?: Coordinator; counts?: LimitCounts }> {
  if (!config.REDIS_URL && config.STREAM_STORE === 'durable') return createDurableStore(config, log);
  if (!config.REDIS_URL) {
    return { store: new MemoryStreamStore({ maxRetainedBytes: config.STREAM_MAX_RETAINED_BYTES, onEvict }) };
  }
  const { RedisStreamStore, RedisCoordinator } = await import('@tidewire/server/redis');
  const store = await RedisStreamStore.connect({ url: config.REDIS_URL }).catch((error: Error) => {
    throw new Error(`cannot connect to REDIS_URL: ${error.message}`);
  });
  const coordinator = await RedisCoordinator.start(store.client, { leaseMs: config.STREAM_LEASE_MS });
  const { RedisCounts } = await import('./limits/redis-counts.ts');
  return { store, coordinator, counts: new RedisCounts(store.client, limits, config.STREAM_LEASE_MS) };
}

async function createDurableStore(config: Config, log: Log) {
  const { DurableStreamStore, DurableCoordinator, LogFileLockedError } = await import(
    '@tidewire/server/durable'
  );
  let store: InstanceType<typeof DurableStreamStore>;
  try {
    // A restart may begin while the last run still finishes its shutdown: wait for its end.
    store = new DurableStreamStore({
      path: config.STREAM_STORE_PATH,
      lockWaitMs: config.SHUTDOWN_GRACE_MS + 2000,
      onSweepError: (error) => log.warn({ error: error.message }, 'could not delete expired streams'),
    });
  } catch (error) {
    // A file it cannot use (taken by another process, newer, unreadable) stops the start.
    const advice =
      error instanceof LogFileLockedError
        ? 'stop the other server, or choose another'
        : 'move the file, or choose another';
    throw new StartupError(
      'stream_log_unavailable',
      `STREAM_STORE_PATH=${config.STREAM_STORE_PATH}: ${(error as Error).message}: ${advice} STREAM_STORE_PATH`,
    );
  }
  const coordinator = new DurableCoordinator(store, {
    onError: (error, stream) =>
      log.error({ stream, error: error.message }, 'could not continue a generation after the restart'),
  });
  const orphans = await store.orphans();
  if (orphans.length > 0)
    log.info({ streams: orphans.length }, 'continuing the generations the last run left running');
  return { store, coordinator };
}

export async function createServices(config: Config, log: Log): Promise<Services & { db: Database }> {
  const tokens = new BearerTokens(config.AUTH_TOKENS); // first: bad tokens stop the start before anything opens
  const metrics = createMetrics();
  const limits = { perMinute: config.RATE_LIMIT_PER_MIN, concurrent: config.MAX_STREAMS_PER_USER };
  const { store, coordinator, counts } = await createStore(config, log, metrics.streamEvicted, limits);
  const db = await openDatabase(config.DATABASE_URL);
  const engine = createChatEngine({
    store,
    coordinator,
    onOrphan: (streamId) => takeOver(services, streamId),
    observer: config.METRICS_ENABLED ? metrics.observer : undefined,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    retentionMs: config.STREAM_RETENTION_MS,
    maxLogBytes: config.STREAM_MAX_LOG_BYTES,
    coalesceWords: config.DELTA_COALESCE_WORDS,
    coalesceHoldMs: config.DELTA_HOLD_MS,
  });
  const sinkOptions = {
    maxUnsentBytes: config.SSE_MAX_UNSENT_BYTES,
    onSlowClient: config.METRICS_ENABLED ? metrics.observer.onSlowClient : undefined,
  };
  const services: Services & { db: Database } = {
    db,
    config,
    engine,
    models: createModelRegistry(config, nodePostBody),
    conversations: new ConversationStore(db, {
      onWriteError: (error) => log.warn({ error: (error as Error).message }, 'could not store an answer'),
    }),
    web: loadWebAssets(),
    generations: new PendingWork(),
    metrics,
    log,
    limits: new StreamLimits(limits, counts),
    connections: new ConnectionLimit(config.MAX_CONNECTIONS_PER_IP),
    auth: new Auth(tokens, new UserStore(db), config.TRUST_PROXY),
    media: createMediaProviders(config),
    respondSSE(c, reader, onClose) {
      const bindings = c.env as HttpBindings | undefined;
      // The stream's id goes in a header too: a client cut before the first event knows it.
      const streamId = { 'X-Stream-Id': reader.info.streamId };
      if (!bindings?.outgoing) {
        c.req.raw.signal.addEventListener('abort', onClose, { once: true });
        return sseResponse(reader, { ...sinkOptions, signal: c.req.raw.signal, headers: streamId });
      }
      const res = bindings.outgoing;
      dropHonoCloseListener(bindings.incoming, res);
      writeSSE(reader, res, {
        ...sinkOptions,
        onClose, // called by the sink's own `close` listener: no listener more per connection
        // Honour a client's `Connection: close` (or HTTP/1.0): the stream's own keep-alive must not override it.
        headers: {
          'X-Request-Id': c.var.requestId,
          ...streamId,
          ...(res.shouldKeepAlive ? {} : { Connection: 'close' }),
        },
      });
      return RESPONSE_ALREADY_SENT;
    },
  };
  return services;
}

/**
 * Connections the kernel may hold for the gateway before it accepts them (it caps this at
 * `net.core.somaxconn`, 4096 on current Linux). Node's default, 511, drops the rest of a burst of
 * new connections (users arriving at once, clients reconnecting after a restart), and each
 * dropped one waits a second or more for the client's SYN to be sent again.
 */
const LISTEN_BACKLOG = 4096;

export async function startGateway(config: Config): Promise<Gateway> {
  const logger = createLogger(config.LOG_LEVEL);
  const services = await createServices(config, logger);
  if (config.NODE_ENV === 'production' && !(await services.auth.enabled())) {
    await services.engine.close();
    await services.db.destroy();
    throw new ConfigError(
      'NODE_ENV=production refuses to start with auth off: set AUTH_TOKENS or add a user (tidewire user add NAME)',
    );
  }
  const app = createApp(services);
  const listener = queueRequests(getRequestListener(app.fetch), DEFAULT_REQUEST_QUEUE);
  services.metrics.readRequestsWaiting(listener.waiting);
  const server = createServer(
    {
      headersTimeout: config.HEADERS_TIMEOUT_MS,
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      keepAliveTimeout: 5_000,
      // How often Node checks those timeouts (its default, 30 s, would let slow clients linger).
      connectionsCheckingInterval: Math.min(1000, config.HEADERS_TIMEOUT_MS / 2),
    },
    listener,
  );
  const webSockets = createWebSocketGateway({
    fetch: app.fetch,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    maxPayload: config.MAX_BODY_BYTES,
    log: logger,
  });
  server.on('upgrade', webSockets.handleUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.PORT, host: config.HOST, backlog: LISTEN_BACKLOG }, () => resolve());
  }).catch(async (error: NodeJS.ErrnoException) => {
    webSockets.close();
    await services.engine.close();
    await services.db.destroy();
    throw listenError(error, config.HOST, config.PORT);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  let closing: Promise<void> | undefined;
  const shutdown = () => {
    closing ??= closeGracefully(server, services, logger, webSockets);
    return closing;
  };
  return { url: `http://${host}:${port}`, server, services, logger, webSockets, shutdown };
}

/** How long a shutdown waits for the generations' last answer writes. */
const RECORD_GRACE_MS = 2000;

async function closeGracefully(
  server: Server,
  services: Services & { db: Database },
  logger: Logger,
  webSockets: WebSocketGateway,
): Promise<void> {
  const { engine, config } = services;
  logger.info({ running: engine.runningCount }, 'shutting down');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // With a shared store another instance serves the resumes at once; with the memory store
  // the readers stay until the generations finish, since the log dies with this process.
  if (config.REDIS_URL) {
    engine.endConnections();
    webSockets.close();
  }
  await engine.settle(config.SHUTDOWN_GRACE_MS);
  services.limits.close();
  // Memory store: generations still running end with `error` (server_shutdown) and `done`,
  // which their readers get before their connections end. Shared store: handed off.
  await engine.close();
  // Sockets close after that (their streams' last events are sent first): clients resume.
  webSockets.close();
  // Each generation stores its answer (incomplete if it was cut) before the database closes.
  await services.generations.settle(RECORD_GRACE_MS);
  await services.db.destroy();
  server.closeAllConnections();
  await closed;
  logger.info('shut down');
  logger.flush();
}
