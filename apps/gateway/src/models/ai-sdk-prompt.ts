/**
 * The gateway's chat messages and tool definitions in the AI SDK's provider shapes: tool calls
 * of assistant messages and tool results (role `tool`) included, so a client that runs a tool
 * itself can continue the conversation with its result.
 * @module
 */
import type {
  LanguageModelV4FunctionTool,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
} from '@ai-sdk/provider';
import type { ChatMessage, ToolDefinition } from './provider.ts';
import { parseToolInput } from './tool-input.ts';

function assistantMessage(m: ChatMessage): LanguageModelV4Message {
  const calls = (m.tool_calls ?? []).map((call) => ({
    type: 'tool-call' as const,
    toolCallId: call.id,
    toolName: call.function.name,
    input: parseToolInput(call.function.arguments),
  }));
  const text = m.content ? [{ type: 'text' as const, text: m.content }] : [];
  return { role: 'assistant', content: [...text, ...calls] };
}

export function toPrompt(messages: ChatMessage[], prefill: string | undefined): LanguageModelV4Prompt {
  // A tool result names its tool: the name is the one of the call it answers.
  const toolNames = new Map<string, string>();
  for (const m of messages) for (const call of m.tool_calls ?? []) toolNames.set(call.id, call.function.name);
  const prompt: LanguageModelV4Prompt = messages.map((m): LanguageModelV4Message => {
    if (m.role === 'system') return { role: 'system', content: m.content };
    if (m.role === 'assistant') return assistantMessage(m);
    if (m.role === 'tool') {
      const id = m.tool_call_id ?? '';
      return {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: id,
            toolName: toolNames.get(id) ?? 'unknown',
            output: { type: 'text', value: m.content },
          },
        ],
      };
    }
    return { role: 'user', content: [{ type: 'text', text: m.content }] };
  });
  // A trailing assistant message is a prefill: the model continues it (Anthropic; vLLM with
  // continue_final_message).
  if (prefill) prompt.push({ role: 'assistant', content: [{ type: 'text', text: prefill }] });
  return prompt;
}

export function toTools(tools: ToolDefinition[] | undefined): LanguageModelV4FunctionTool[] | undefined {
  if (!tools?.length) return undefined;
  return tools.map(({ function: f }) => ({
    type: 'function',
    name: f.name,
    description: f.description,
    inputSchema: (f.parameters ?? {
      type: 'object',
      properties: {},
    }) as LanguageModelV4FunctionTool['inputSchema'],
  }));
}
