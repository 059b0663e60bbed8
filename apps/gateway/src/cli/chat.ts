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
}

export class CliError extends Error {}

export async function chat(question: string | undefined, options: ChatOptions): Promise<void> {
  const resume = options.resume === undefined ? undefined : parseEventId(options.resume);
  if (options.resume !== undefined && !resume)
    throw new CliError(`--resume takes STREAM_ID:SEQ, got "${options.resume}"`);
  if (!resume && !question?.trim())
    throw new CliError('give a question, e.g. tidewire chat "Hello", or --resume STREAM_ID:SEQ');
  let base: URL;
  try {
    base = new URL('/api/v1/stream/chat', options.url);
  } catch {
    throw new CliError(`--url is not a URL: "${options.url}"`);
  }
  const tty = process.stdout.isTTY === true;
  const typewriter = tty
    ? new AdaptiveTypewriter({
        onRender: (_shown, appended) => process.stdout.write(appended),
        reducedMotion: false,
      })
    : undefined;
  const write = (text: string) => (typewriter ? typewriter.push(text) : process.stdout.write(text));
  let failure: string | undefined;
  const consumer = new SSEConsumer(base.href, {
    method: 'POST',
    body: resume ? undefined : { q: question, model: options.model, conversation_id: options.conversation },
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    resumeFrom: resume,
    maxReconnectAttempts: options.maxRetries ?? 5,
    reconnectDelay: 300,
    onHello: (hello) => process.stderr.write(`stream ${hello.stream_id}\n`),
    onDelta: ({ text }) => write(text),
    onDone: (done) => {
      typewriter?.flush();
      if (done.reason === 'cancelled') process.stderr.write('\n(cancelled)\n');
    },
    onError: (error) => {
      if (!error.retrying) failure = `${error.type}: ${error.message}`;
      else process.stderr.write(`\n(${error.type}: ${error.message}; resuming)\n`);
    },
  });
  const stop = () => consumer.close();
  process.once('SIGINT', stop);
  await consumer.connect();
  process.off('SIGINT', stop);
  typewriter?.flush();
  if (consumer.text !== '' && !consumer.text.endsWith('\n')) process.stdout.write('\n');
  if (consumer.state === 'closed' && consumer.streamId) {
    process.stderr.write(
      `stopped; continue with: tidewire chat --resume ${consumer.streamId}:${consumer.lastSeq}\n`,
    );
  }
  if (failure) throw new CliError(failure);
}
