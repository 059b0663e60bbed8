/**
 * The OpenAI Chat Completions streaming wire format (`POST /v1/chat/completions` with
 * `stream: true`): `data:` chunks of `chat.completion.chunk` (each with `usage: null`, as when
 * `stream_options.include_usage` is asked), a final chunk with `finish_reason`, the usage
 * chunk with empty `choices`, then `data: [DONE]`. A rich answer streams reasoning as DeepSeek
 * and vLLM do (`delta.reasoning_content`), then text, then a tool call: its id and name in the
 * first `tool_calls` delta, its arguments in many more, and `finish_reason: "tool_calls"`.
 * @module
 */
import { type FakeUpstream, type RichAnswer, startFakeUpstream, type WireFormat } from './fake-upstream.ts';

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

const usage = (completion: number) =>
  frame({
    choices: [],
    usage: { prompt_tokens: 11, completion_tokens: completion, total_tokens: 11 + completion },
  });

function richAnswer({ reasoning, tokens, toolCall }: RichAnswer): string[] {
  const call = toolCall
    ? [
        chunk({
          tool_calls: [
            { index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: '' } },
          ],
        }),
        ...toolCall.argumentPieces.map((piece) =>
          chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }),
        ),
      ]
    : [];
  return [
    chunk({ role: 'assistant', content: '' }),
    ...reasoning.map((r) => chunk({ content: null, reasoning_content: r })),
    ...tokens.map((t) => chunk({ content: t })),
    ...call,
    chunk({}, toolCall ? 'tool_calls' : 'stop'),
    usage(reasoning.length + tokens.length + (toolCall?.argumentPieces.length ?? 0)),
    'data: [DONE]\n\n',
  ];
}

export const openAIFormat: WireFormat = {
  path: '/v1/chat/completions',
  answer: (tokens, finish) => ({
    head: [chunk({ role: 'assistant', content: '' })],
    token: (t) => [chunk({ content: t })],
    tail: [chunk({}, finish), usage(tokens.length), 'data: [DONE]\n\n'],
  }),
  richAnswer,
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
