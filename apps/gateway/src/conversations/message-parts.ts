/**
 * A stored answer's parts (reasoning, tool calls and results, sources, files, text, in the
 * order they streamed) to and from the `messages.parts` JSON column, and back into model
 * messages for a follow-up: an answer that called tools becomes the assistant's calls, the
 * tool results, then its text, as the model saw them.
 * @module
 */
import { toolResultContent } from '../answer-parts.ts';
import type { StoredPart } from '../answer-so-far.ts';
import type { ChatMessage } from '../models/provider.ts';

export function readParts(column: string | null): StoredPart[] | undefined {
  if (column === null) return undefined;
  const parts = JSON.parse(column) as unknown;
  return Array.isArray(parts) ? (parts as StoredPart[]) : undefined;
}

/** The parts of an assistant message a client sent with `tool_calls`. */
export function partsOfToolCalls(message: ChatMessage): StoredPart[] | undefined {
  if (!message.tool_calls?.length) return undefined;
  const text: StoredPart[] = message.content ? [{ type: 'text', text: message.content }] : [];
  return [
    ...text,
    ...message.tool_calls.map((call): StoredPart => {
      let input: unknown = call.function.arguments;
      try {
        input = JSON.parse(call.function.arguments);
      } catch {
        // Arguments that are not JSON are kept as the text the client sent.
      }
      return { type: 'tool_call', id: call.id, name: call.function.name, input };
    }),
  ];
}

/** The model messages of a stored answer; plain text when it has no parts. */
export function answerMessages(content: string, parts: StoredPart[] | undefined): ChatMessage[] {
  if (!parts?.some((p) => p.type === 'tool_call'))
    return content === '' ? [] : [{ role: 'assistant', content }];
  const messages: ChatMessage[] = [];
  let text = '';
  let calls: NonNullable<ChatMessage['tool_calls']> = [];
  const flush = () => {
    if (text === '' && calls.length === 0) return;
    messages.push({ role: 'assistant', content: text, ...(calls.length ? { tool_calls: calls } : {}) });
    text = '';
    calls = [];
  };
  for (const part of parts) {
    if (part.type === 'text') {
      if (calls.length) flush();
      text += part.text;
    } else if (part.type === 'tool_call') {
      calls.push({
        id: part.id,
        type: 'function',
        function: { name: part.name, arguments: JSON.stringify(part.input) },
      });
    } else if (part.type === 'tool_result') {
      flush();
      messages.push({
        role: 'tool',
        tool_call_id: part.id,
        content: toolResultContent(part.output, part.is_error),
      });
    }
  }
  flush();
  return messages;
}
