/**
 * `tidewire chat "question"`: streams an answer to the terminal through the client library.
 * In a terminal the text types out (AdaptiveTypewriter); piped, it is written as it arrives.
 * The stream id goes to stderr so a cut answer can be continued with `--resume ID:SEQ`.
 * @module
 */

import { AdaptiveTypewriter, SSEConsumer } from '@tidewire/client';
import { parseEventId } from '@tidewire/protocol';

export interface ChatOptions {
  url: string;
  token?: string;
  model?: string;
  conversation?: string;
  resume?: string;
  /** Reconnects in a row before giving up. */
  maxRetries?: number;
  /** `auto` (SSE, moving to the WebSocket when SSE is blocked), `sse` or `websocket`. */
  transport?: 'auto' | 'sse' | 'websocket';
}

/** A failure to report in one line and exit with status 1. */
export class CliError extends Error {}

/** Checks the options; returns the resume point and the URL that starts a stream. */
function validate(question: string | undefined, options: ChatOptions) {
  const resume = options.resume === undefined ? undefined : parseEventId(options.resume);
  if (options.resume !== undefined && !resume)
    throw new CliError(`--resume takes STREAM_ID:SEQ, got "${options.resume}"`);
  if (!resume && !question?.trim())
    throw new CliError('give a question, e.g. tidewire chat "Hello", or --resume STREAM_ID:SEQ');
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new CliError(`--url is not a URL: "${options.url}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new CliError(`--url must be an http:// or https:// URL, got "${options.url}"`);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return { resume, startUrl: new URL('api/v1/stream/chat', base).href };
}

/** Where the answer's text goes: a typewriter on a terminal, straight through when piped. */
function createOutput() {
  const typewriter = process.stdout.isTTY
    ? new AdaptiveTypewriter({
        onRender: (_shown, appended) => process.stdout.write(appended),
        reducedMotion: false,
      })
    : undefined;
  return {
    write: (text: string) => (typewriter ? typewriter.push(text) : process.stdout.write(text)),
    flush: () => typewriter?.flush(),
  };
}

export async function chat(question: string | undefined, options: ChatOptions): Promise<void> {
  const { resume, startUrl } = validate(question, options);
  const output = createOutput();
  let failure: string | undefined;
  const consumer = new SSEConsumer(startUrl, {
    body: resume ? undefined : { q: question, model: options.model, conversation_id: options.conversation },
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    resumeFrom: resume,
    maxReconnectAttempts: options.maxRetries ?? 5,
    transport: options.transport,
    reconnectDelay: 300,
    onHello: (hello) => process.stderr.write(`stream ${hello.stream_id}\n`),
    onDelta: ({ text }) => output.write(text),
    onDone: ({ reason }) => {
      output.flush();
      if (reason === 'cancelled') failure ??= 'cancelled: the answer was stopped before it finished';
    },
    onError: (error) => {
      if (error.retrying) process.stderr.write(`\n(${error.type}: ${error.message}; retrying)\n`);
      else failure = `${error.type}: ${error.message}`;
    },
  });
  const stop = () => consumer.close();
  process.once('SIGINT', stop);
  await consumer.connect();
  process.off('SIGINT', stop);
  output.flush();
  if (consumer.text !== '' && !consumer.text.endsWith('\n')) process.stdout.write('\n');
  const unfinished = consumer.state === 'closed' || consumer.state === 'failed';
  if (unfinished && consumer.streamId) {
    const point = `${consumer.streamId}:${consumer.lastSeq}`;
    process.stderr.write(`continue with: tidewire chat --resume ${point} --url ${options.url}\n`);
  }
  if (consumer.state === 'closed') throw new CliError('stopped');
  if (failure) throw new CliError(failure);
}
