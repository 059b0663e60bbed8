/**
 * Configuration from environment variables (names and defaults from the contract), checked
 * at start: a bad value stops the server with a message naming the variable.
 * @module
 */
import * as z from 'zod';

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const schema = z.object({
  PORT: int(5000).pipe(z.number().max(65535)),
  HOST: z.string().min(1).default('127.0.0.1'),
  SSE_HEARTBEAT_MS: int(20_000, 1),
  STREAM_RETENTION_MS: int(300_000, 1),
  LLM_PROVIDER: z.enum(['demo', 'openai', 'anthropic']).default('demo'),
  LLM_BASE_URL: optionalText,
  LLM_API_KEY: optionalText,
  LLM_MODEL: optionalText,
  LLM_FIRST_TOKEN_TIMEOUT_MS: int(60_000, 1),
  /** After the first token, the longest the upstream may stay silent before `upstream_timeout`. */
  LLM_IDLE_TIMEOUT_MS: int(60_000, 1),
  /**
   * Cap on the answer length asked of an upstream model. Unset: 4096 for Anthropic (which
   * requires one), none for OpenAI-compatible servers (OpenAI's reasoning models refuse
   * `max_tokens`).
   */
  LLM_MAX_TOKENS: z.coerce.number().int().min(1).optional(),
  /**
   * The OpenAI-compatible server continues a trailing assistant message when asked with
   * `continue_final_message` (vLLM does): lets another instance continue an answer.
   */
  LLM_CONTINUE_FINAL_MESSAGE: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  DEMO_TOKENS_PER_SEC: z.coerce.number().min(0).default(40),
  MAX_QUESTION_LENGTH: int(10_000, 1),
  RATE_LIMIT_PER_MIN: int(30),
  MAX_STREAMS_PER_USER: int(5),
  AUTH_TOKENS: optionalText,
  /** Compared without case or spaces: `Production` is production (and refuses to start open). */
  NODE_ENV: optionalText.transform((v) => v?.trim().toLowerCase() || undefined),
  REDIS_URL: optionalText,
  /**
   * Where stream logs live without REDIS_URL: `memory` (lost on restart) or `durable` (a SQLite
   * file on this host, so a restart continues every answer). Ignored when REDIS_URL is set.
   */
  STREAM_STORE: z.enum(['memory', 'durable']).default('memory'),
  /** The file of the durable store (its folder is created). */
  STREAM_STORE_PATH: z.string().min(1).default('./data/streams.db'),
  DATABASE_URL: z.string().default('sqlite:./data/tidewire.db'),
  /** Images (`POST /api/v1/stream/image`): `demo` renders offline; `openai` any OpenAI-compatible Images API. */
  IMAGE_PROVIDER: z.enum(['demo', 'openai']).default('demo'),
  IMAGE_BASE_URL: optionalText,
  IMAGE_API_KEY: optionalText,
  IMAGE_MODEL: optionalText,
  /** Partial images asked of the upstream (the Images API allows 0–3). */
  IMAGE_PARTIAL_IMAGES: int(2).pipe(z.number().max(3)),
  /** Pause between the demo image's refinement steps; `0` = as fast as possible. */
  DEMO_IMAGE_STEP_MS: int(500),
  /** Read aloud (`POST /api/v1/stream/tts`): `demo` speaks offline (eSpeak NG); `openai` any `/v1/audio/speech`. */
  TTS_PROVIDER: z.enum(['demo', 'openai']).default('demo'),
  TTS_BASE_URL: optionalText,
  TTS_API_KEY: optionalText,
  TTS_MODEL: optionalText,
  TTS_VOICE: optionalText,
  /** The audio format asked of an `openai` speech server. */
  TTS_FORMAT: z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']).default('mp3'),
  /** Longest text read aloud in one stream. */
  MAX_TTS_TEXT_LENGTH: int(20_000, 1),
  /** Unsent bytes a slow client may pile up before its connection is closed (it can resume). */
  SSE_MAX_UNSENT_BYTES: int(1024 * 1024, 1024),
  /** Bytes of events one stream may hold; past it the stream ends with `stream_too_large`. */
  STREAM_MAX_LOG_BYTES: int(8 * 1024 * 1024, 1024),
  /** Bytes all retained logs may hold in memory (memory store); past it the oldest finished go. */
  STREAM_MAX_RETAINED_BYTES: int(256 * 1024 * 1024, 1024),
  /** Delta coalescing: words per delta, and the longest time text is held. */
  DELTA_COALESCE_WORDS: int(6, 1),
  DELTA_HOLD_MS: int(30, 0),
  /** Largest request body accepted. */
  MAX_BODY_BYTES: int(1024 * 1024, 1024),
  /** On SIGTERM, how long running generations get to finish before the process exits. */
  SHUTDOWN_GRACE_MS: int(8_000, 0),
  /** With REDIS_URL: how long a dead instance's streams wait before another instance takes them over. */
  STREAM_LEASE_MS: int(5_000, 100),
  /** Open SSE connections one IP may hold; `0` = off. */
  MAX_CONNECTIONS_PER_IP: int(50),
  /** Take the client IP from `X-Forwarded-For` (set it when a trusted proxy is in front). */
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  /** Slow-loris bounds: time to receive a request's headers, and the whole request. */
  HEADERS_TIMEOUT_MS: int(10_000, 100),
  REQUEST_TIMEOUT_MS: int(30_000, 100),
  /** Count metrics at all (`false` only to measure what they cost). */
  METRICS_ENABLED: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  /** When set, `GET /metrics` needs this bearer token. */
  METRICS_TOKEN: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration; throws `ConfigError` listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  // node:http refuses a headers timeout longer than the whole-request timeout.
  if (result.data.HEADERS_TIMEOUT_MS > result.data.REQUEST_TIMEOUT_MS)
    throw new ConfigError('invalid configuration:\n  HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS');
  return result.data;
}
