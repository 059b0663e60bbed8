/**
 * The Anthropic Messages streaming wire format (`POST /v1/messages` with `stream: true`):
 * named events `message_start`, `content_block_start`, `ping`, `content_block_delta`
 * (`text_delta`), `content_block_stop`, `message_delta` (stop reason, output tokens),
 * `message_stop`; errors as `event: error`.
 * @module
 */
import { type FakeUpstream, startFakeUpstream, type WireFormat } from './fake-upstream.ts';

const event = (name: string, data: Record<string, unknown>) =>
  `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;

export const anthropicFormat: WireFormat = {
  path: '/v1/messages',
  answer: (tokens, finish) => ({
    head: [
      event('message_start', {
        message: {
          id: 'msg_fake',
          type: 'message',
          role: 'assistant',
          content: [],
          model: 'fake-model',
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 12, output_tokens: 1 },
        },
      }),
      event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      event('ping', {}),
    ],
    token: (t) => [event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } })],
    tail: [
      event('content_block_stop', { index: 0 }),
      event('message_delta', {
        delta: { stop_reason: finish === 'length' ? 'max_tokens' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: tokens.length },
      }),
      event('message_stop', {}),
    ],
  }),
  errorEvent: () => event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }),
  errorBody: (status) =>
    JSON.stringify({
      type: 'error',
      error: { type: status === 401 ? 'authentication_error' : 'api_error', message: `fake error ${status}` },
    }),
  keepAlive: event('ping', {}),
};

/** Base URL to give the gateway: `LLM_BASE_URL=${fake.url}/v1`. */
export const startFakeAnthropic = (): Promise<FakeUpstream> => startFakeUpstream(anthropicFormat);
