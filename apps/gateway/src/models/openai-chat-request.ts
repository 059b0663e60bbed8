/**
 * The body of an OpenAI Chat Completions streaming request, built from the gateway's chat
 * messages and tool definitions as the AI SDK's OpenAI-compatible provider built it (same
 * roles and fields, so servers see no change): assistant tool calls with JSON arguments, tool
 * results with their call id, usage asked for, and, to continue a partial answer, a final
 * assistant message with vLLM's `continue_final_message`.
 * @module
 */
import type { ChatMessage, ToolCallRequest, ToolDefinition } from './provider.ts';

export interface ChatRequestOptions {
  model: string;
  maxTokens?: number;
  /** The partial answer to continue (only for servers that know `continue_final_message`). */
  continueFrom?: string;
}

/** One message of the request, as OpenAI reads it. */
export type WireMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; tool_calls?: ToolCallRequest[] }
  | { role: 'tool'; tool_call_id: string; content: string };

/** A call's arguments as a JSON text: empty is `{}`, text that is not JSON becomes a JSON string. */
function argumentsText(text: string): string {
  if (text.trim() === '') return '{}';
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}

function assistantMessage(m: ChatMessage): WireMessage {
  if (!m.tool_calls?.length) return { role: 'assistant', content: m.content };
  const calls = m.tool_calls.map(
    (call): ToolCallRequest => ({
      id: call.id,
      type: 'function',
      function: { name: call.function.name, arguments: argumentsText(call.function.arguments) },
    }),
  );
  return { role: 'assistant', content: m.content || null, tool_calls: calls };
}

export function toWireMessages(messages: ChatMessage[]): WireMessage[] {
  return messages.map((m): WireMessage => {
    if (m.role === 'assistant') return assistantMessage(m);
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.tool_call_id ?? '', content: m.content };
    return { role: m.role, content: m.content };
  });
}

/** Tools as OpenAI function tools; a tool without a schema takes an empty object. */
function toWireTools(tools: ToolDefinition[]): ToolDefinition[] {
  return tools.map(({ function: f }) => ({
    type: 'function',
    function: {
      name: f.name,
      description: f.description,
      parameters: f.parameters ?? { type: 'object', properties: {} },
    },
  }));
}

export function chatRequestBody(
  messages: ChatMessage[],
  tools: ToolDefinition[] | undefined,
  options: ChatRequestOptions,
): Record<string, unknown> {
  const wire = toWireMessages(messages);
  const continuing = options.continueFrom !== undefined && options.continueFrom !== '';
  if (continuing) wire.push({ role: 'assistant', content: options.continueFrom! });
  return {
    model: options.model,
    max_tokens: options.maxTokens,
    ...(continuing ? { continue_final_message: true, add_generation_prompt: false } : {}),
    messages: wire,
    tools: tools?.length ? toWireTools(tools) : undefined,
    stream: true,
    stream_options: { include_usage: true },
  };
}
