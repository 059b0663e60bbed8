/**
 * The Anthropic Messages streaming wire format (`POST /v1/messages` with `stream: true`):
 * named events `message_start`, `content_block_start`, `ping`, `content_block_delta`
 * (`text_delta`), `content_block_stop`, `message_delta` (stop reason, output tokens),
 * `message_stop`; errors as `event: error`. A rich answer has a thinking block
 * (`thinking_delta`, then its `signature_delta`), a text block (with a web citation when asked),
 * and a `tool_use` block whose input streams as `input_json_delta` pieces; it stops with
 * `tool_use`.
 * @module
 */
import { type FakeUpstream, type RichAnswer, startFakeUpstream, type WireFormat } from './fake-upstream.ts';

const event = (name: string, data: Record<string, unknown>) =>
  `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;

const messageStart = event('message_start', {
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
});

/** One content block: its start, its deltas, its stop. */
const block = (index: number, content: Record<string, unknown>, deltas: Record<string, unknown>[]) => [
  event('content_block_start', { index, content_block: content }),
  ...deltas.map((delta) => event('content_block_delta', { index, delta })),
  event('content_block_stop', { index }),
];

function richAnswer({ reasoning, tokens, toolCall, citation }: RichAnswer): string[] {
  const cited = citation
    ? [
        {
          type: 'citations_delta',
          citation: {
            type: 'web_search_result_location',
            url: citation.url,
            title: citation.title,
            encrypted_index: 'Eo8BCioIAhgBIiQ3',
            cited_text: tokens.join(''),
          },
        },
      ]
    : [];
  const blocks = [
    ...block(0, { type: 'thinking', thinking: '', signature: '' }, [
      ...reasoning.map((thinking) => ({ type: 'thinking_delta', thinking })),
      { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
    ]),
    ...block(1, { type: 'text', text: '' }, [
      ...tokens.map((text) => ({ type: 'text_delta', text })),
      ...cited,
    ]),
    ...(toolCall
      ? block(2, { type: 'tool_use', id: toolCall.id, name: toolCall.name, input: {} }, [
          ...toolCall.argumentPieces.map((partial_json) => ({ type: 'input_json_delta', partial_json })),
        ])
      : []),
  ];
  return [
    messageStart,
    ...blocks,
    event('message_delta', {
      delta: { stop_reason: toolCall ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: { output_tokens: reasoning.length + tokens.length + (toolCall?.argumentPieces.length ?? 0) },
    }),
    event('message_stop', {}),
  ];
}

export const anthropicFormat: WireFormat = {
  path: '/v1/messages',
  answer: (tokens, finish) => ({
    head: [
      messageStart,
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
  richAnswer,
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
