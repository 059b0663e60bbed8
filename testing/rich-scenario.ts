/**
 * Test support: the rich answer the fake upstreams play in the rich-answer tests (reasoning,
 * multi-byte text, a web citation, a tool call whose JSON arguments are split over many
 * chunks, some inside a string or a multi-byte character), and the tool the request offers.
 * @module
 */
import type { RichAnswer } from './fake-upstream.ts';

export const RICH_ARGUMENTS = '{"city":"Saint-Malo","when":"tomorrow 🌊","units":"metric"}';

export const RICH_ANSWER: RichAnswer = {
  reasoning: ['The user', ' wants the tide', ' times; I should', ' ask the tide tool.'],
  tokens: ['Let me', ' check the', ' tides. مرحبا'],
  toolCall: {
    id: 'call_tides_1',
    name: 'tide_times',
    argumentPieces: Array.from({ length: Math.ceil(RICH_ARGUMENTS.length / 5) }, (_, i) =>
      RICH_ARGUMENTS.slice(i * 5, i * 5 + 5),
    ),
  },
  citation: { url: 'https://tides.example/saint-malo', title: 'Tides of Saint-Malo' },
};

/** The OpenAI function tool a client offers with its question. */
export const TIDE_TOOL = {
  type: 'function',
  function: {
    name: 'tide_times',
    description: 'High and low tides for a place and day.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, when: { type: 'string' }, units: { type: 'string' } },
      required: ['city'],
    },
  },
} as const;
