/**
 * The OpenAI Chat Completions streaming wire format (`POST /v1/chat/completions` with
 * `stream: true`): `data:` chunks of `chat.completion.chunk` (each with `usage: null`, as when
 * `stream_options.include_usage` is asked), a final chunk with `finish_reason`, the usage
 * chunk with empty `choices`, then `data: [DONE]`.
 * @module
 */
import { type FakeUpstream, startFakeUpstream, type WireFormat } from './fake-upstream.ts';

/** One `chat.completion.chunk` frame: the envelope every chunk shares, with `fields` on top. */
const frame = (fields: Record<string, unknown>) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'fake-model',
    system_fingerprint: 'fp_fake',
    ...fields,
  })}\n\n`;

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  frame({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null });

export const openAIFormat: WireFormat = {
  path: '/v1/chat/completions',
  answer: (tokens, finish) => ({
    head: [chunk({ role: 'assistant', content: '' })],
    token: (t) => [chunk({ content: t })],
    tail: [
      chunk({}, finish),
      frame({
        choices: [],
        usage: { prompt_tokens: 11, completion_tokens: tokens.length, total_tokens: 11 + tokens.length },
      }),
      'data: [DONE]\n\n',
    ],
  }),
  errorEvent: () =>
    `data: ${JSON.stringify({ error: { message: 'The server had an error', type: 'server_error', code: null } })}\n\n`,
  errorBody: (status) =>
    JSON.stringify({
      error: {
        message: `fake error ${status}`,
        type: status === 401 ? 'invalid_request_error' : 'server_error',
        code: null,
      },
    }),
  keepAlive: ': keep-alive\n\n',
};

/** Base URL to give the gateway: `LLM_BASE_URL=${fake.url}/v1`. */
export const startFakeOpenAI = (): Promise<FakeUpstream> => startFakeUpstream(openAIFormat);
