/**
 * A stored answer's parts (reasoning, tool calls and results, sources, files, text, in the
 * order they streamed) to and from the `messages.parts` JSON column, and back into model
 * messages for a follow-up: an answer that called tools becomes the assistant's calls, the
 * tool results, then its text, as the model saw them.
 *
 * The answer's text is in the `content` column already; the column's text parts hold only
 * their length (`{"type":"text","chars":N}`, in UTF-16 code units) and are read back as the
 * next N characters of `content`. An answer's row is rewritten every second while it streams,
 * and with its text twice in it each write cost twice as much. Text parts written with their
 * `text` (rows from before) read as they are.
 * @module
 */
import { toolResultContent } from '../answer-parts.ts';
import type { StoredPart } from '../answer-so-far.ts';
import type { ChatMessage } from '../models/provider.ts';

/** A text part as the column holds it: its length in `content`, not its text. */
interface TextByLength {
  type: 'text';
  chars: number;
}

/** The parts column of an answer whose text parts, joined, are its `content` (null: no parts). */
export function partsColumn(parts: readonly StoredPart[] | undefined): string | null {
  if (!parts?.length) return null;
  return JSON.stringify(
    parts.map((p): StoredPart | TextByLength =>
      p.type === 'text' ? { type: 'text', chars: p.text.length } : p,
    ),
  );
}

/** The parts of a row: text parts by length take their text from `content`, in order. */
export function readParts(column: string | null, content: string): StoredPart[] | undefined {
  if (column === null) return undefined;
  const parts = JSON.parse(column) as unknown;
  if (!Array.isArray(parts)) return undefined;
  let at = 0;
  return parts.map((p: StoredPart | TextByLength): StoredPart => {
    if (p.type !== 'text') return p;
    const text = 'chars' in p ? content.slice(at, at + p.chars) : p.text;
    at += text.length;
    return { type: 'text', text };
  });
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
