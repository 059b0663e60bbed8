/**
 * `fromAISDK`: one call that turns an AI SDK `streamText` result (or a UI message stream, such
 * as `result.toUIMessageStream()` or one an app writes itself) into a tidewire chat stream.
 * Its parts become the chat vocabulary's events (text and reasoning coalesced by the stream
 * into `delta` and `reasoning`; `tool_input_delta`, `tool_call`, `tool_result` for tools the app executes,
 * `source`, `file`), then `done` with the finish reason and the output tokens, or `error`
 * and `done {reason:"error"}`. Pass `abortSignal: stream.signal` to `streamText` so a cancel
 * stops the model. Never throws; ends the stream exactly once.
 * @module
 */
import type { EventDataMap } from '@tidewire/protocol';
import type { TextStreamPart, ToolSet, UIMessageChunk } from 'ai';

type RichEvent = 'reasoning' | 'tool_input_delta' | 'tool_call' | 'tool_result' | 'source' | 'file';

/** The side of a tidewire `Stream` this needs (a chat-vocabulary stream has it). */
export interface ChatStreamWriter {
  readonly signal: AbortSignal;
  readonly ended: boolean;
  /** A piece of text coalesced into `event` (`delta` by default, or `reasoning`). */
  text(piece: string, event?: 'delta' | 'reasoning'): void;
  emit<K extends RichEvent>(event: K, data: EventDataMap[K]): void;
  end(reason: string, data?: object): Promise<void>;
  fail(type: string, message: string, data?: object): Promise<void>;
}

/** The part of a `streamText` result this reads. */
export interface StreamTextLike<TOOLS extends ToolSet = ToolSet> {
  fullStream: AsyncIterable<TextStreamPart<TOOLS>>;
}

const DONE_REASON: Record<string, string> = { stop: 'stop', length: 'length', 'tool-calls': 'tool_calls' };

type Finish = { reason: string; tokens: number };

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** One answer's mapping: remembers tool names by call id and numbers the files. */
class PartWriter {
  readonly #stream: ChatStreamWriter;
  readonly #toolNames = new Map<string, string>();
  #files = 0;

  constructor(stream: ChatStreamWriter) {
    this.#stream = stream;
  }

  /** Maps one full-stream part onto the stream; returns the finish part's data when it is one. */
  write(part: TextStreamPart<ToolSet>): Finish | undefined {
    const stream = this.#stream;
    const toolNames = this.#toolNames;
    switch (part.type) {
      case 'text-delta':
        stream.text(part.text);
        return;
      case 'reasoning-delta':
        stream.text(part.text, 'reasoning');
        return;
      case 'tool-input-start':
        toolNames.set(part.id, part.toolName);
        return;
      case 'tool-input-delta':
        stream.emit('tool_input_delta', {
          id: part.id,
          name: toolNames.get(part.id) ?? '',
          text: part.delta,
        });
        return;
      case 'tool-call':
        stream.emit('tool_call', { id: part.toolCallId, name: part.toolName, input: part.input });
        return;
      case 'tool-result':
        stream.emit('tool_result', {
          id: part.toolCallId,
          name: part.toolName,
          output: part.output,
          is_error: false,
        });
        return;
      case 'tool-error':
        stream.emit('tool_result', {
          id: part.toolCallId,
          name: part.toolName,
          output: { message: errorMessage(part.error) },
          is_error: true,
        });
        return;
      case 'source':
        if (part.sourceType === 'url')
          stream.emit('source', { id: part.id, url: part.url, title: part.title ?? part.url });
        return;
      case 'file':
        stream.emit('file', {
          id: `file_${++this.#files}`,
          media_type: part.file.mediaType,
          url: `data:${part.file.mediaType};base64,${part.file.base64}`,
        });
        return;
      case 'error':
        throw part.error;
      case 'finish':
        return {
          reason: DONE_REASON[part.finishReason] ?? 'stop',
          tokens: part.totalUsage.outputTokens ?? 0,
        };
      default:
        return;
    }
  }

  /** Maps one UI message chunk onto the stream (a UI message stream carries no token count). */
  writeChunk(chunk: UIMessageChunk): Finish | undefined {
    const stream = this.#stream;
    switch (chunk.type) {
      case 'text-delta':
        stream.text(chunk.delta);
        return;
      case 'reasoning-delta':
        stream.text(chunk.delta, 'reasoning');
        return;
      case 'tool-input-start':
        this.#toolNames.set(chunk.toolCallId, chunk.toolName);
        return;
      case 'tool-input-delta': {
        const name = this.#toolNames.get(chunk.toolCallId) ?? '';
        stream.emit('tool_input_delta', { id: chunk.toolCallId, name, text: chunk.inputTextDelta });
        return;
      }
      case 'tool-input-available':
        this.#toolNames.set(chunk.toolCallId, chunk.toolName);
        stream.emit('tool_call', { id: chunk.toolCallId, name: chunk.toolName, input: chunk.input });
        return;
      case 'tool-output-available':
      case 'tool-output-error': {
        const name = this.#toolNames.get(chunk.toolCallId) ?? '';
        const failed = chunk.type === 'tool-output-error';
        const output = failed ? { message: chunk.errorText } : chunk.output;
        stream.emit('tool_result', { id: chunk.toolCallId, name, output, is_error: failed });
        return;
      }
      case 'source-url':
        stream.emit('source', { id: chunk.sourceId, url: chunk.url, title: chunk.title ?? chunk.url });
        return;
      case 'file':
        stream.emit('file', { id: `file_${++this.#files}`, media_type: chunk.mediaType, url: chunk.url });
        return;
      case 'error':
        throw new Error(chunk.errorText);
      case 'finish':
        return { reason: DONE_REASON[chunk.finishReason ?? 'stop'] ?? 'stop', tokens: 0 };
      default:
        return;
    }
  }
}

/** A UI message stream's chunks (read with a reader: not every runtime iterates streams). */
async function* chunksOf(stream: ReadableStream<UIMessageChunk>): AsyncIterable<UIMessageChunk> {
  const reader = stream.getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) yield read.value;
  } finally {
    void reader.cancel().catch(() => {});
  }
}

export async function fromAISDK(
  stream: ChatStreamWriter,
  result: StreamTextLike | ReadableStream<UIMessageChunk>,
): Promise<void> {
  const writer = new PartWriter(stream);
  let finish: Finish | undefined;
  try {
    if ('fullStream' in result) {
      for await (const part of result.fullStream) {
        if (stream.ended) break;
        finish = writer.write(part as TextStreamPart<ToolSet>) ?? finish;
      }
    } else {
      for await (const chunk of chunksOf(result)) {
        if (stream.ended) break;
        finish = writer.writeChunk(chunk) ?? finish;
      }
    }
    if (stream.ended) return;
    if (!finish) {
      await stream.fail('upstream_error', 'the model stream ended before the answer finished');
      return;
    }
    await stream.end(finish.reason, { tokens: finish.tokens });
  } catch (error) {
    if (!stream.ended) await stream.fail('upstream_error', errorMessage(error));
  }
}
