/**
 * Maps the AI SDK's language-model stream parts to the gateway's `ModelPart`s: text,
 * reasoning (OpenAI-compatible `reasoning_content` / `reasoning`, Anthropic thinking blocks:
 * the provider packages parse both), tool calls with their streamed JSON arguments, results
 * of provider-run tools, URL citations (once each) and files. Parts tidewire has no event
 * for (stream metadata, raw chunks, document citations without a URL) map to nothing.
 * @module
 */
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import type { ModelPart } from './provider.ts';
import { parseToolInput } from './tool-input.ts';

type Source = Extract<LanguageModelV4StreamPart, { type: 'source' }>;
type FilePart = Extract<LanguageModelV4StreamPart, { type: 'file' }>;

function fileUrl(part: FilePart): string {
  if (part.data.type === 'url') return String(part.data.url);
  const data = part.data.data;
  const base64 = typeof data === 'string' ? data : Buffer.from(data).toString('base64');
  return `data:${part.mediaType};base64,${base64}`;
}

/** One answer's mapping: remembers tool names by call id and the sources already sent. */
export class StreamPartMapper {
  readonly #toolNames = new Map<string, string>();
  readonly #sources = new Set<string>();
  #files = 0;

  /** The gateway parts for one AI SDK part (text-delta is mapped by the caller). */
  map(part: LanguageModelV4StreamPart): ModelPart[] {
    switch (part.type) {
      case 'reasoning-delta':
        return part.delta ? [{ type: 'reasoning', text: part.delta }] : [];
      case 'tool-input-start':
        this.#toolNames.set(part.id, part.toolName);
        return [];
      case 'tool-input-delta': {
        const name = this.#toolNames.get(part.id) ?? '';
        return part.delta ? [{ type: 'tool-input-delta', id: part.id, name, text: part.delta }] : [];
      }
      case 'tool-call':
        return [
          { type: 'tool-call', id: part.toolCallId, name: part.toolName, input: parseToolInput(part.input) },
        ];
      case 'tool-result':
        return [
          {
            type: 'tool-result',
            id: part.toolCallId,
            name: part.toolName,
            output: part.result,
            isError: part.isError === true,
          },
        ];
      case 'source':
        return this.#source(part);
      case 'text-end':
        return (part.citations ?? []).flatMap((citation) => this.#source(citation.source));
      case 'file':
        return [{ type: 'file', id: `file_${++this.#files}`, mediaType: part.mediaType, url: fileUrl(part) }];
      default:
        return [];
    }
  }

  #source(source: Source): ModelPart[] {
    // A document citation names an uploaded document, not a link: the contract's source is a link.
    if (source.sourceType !== 'url' || this.#sources.has(source.url)) return [];
    this.#sources.add(source.url);
    return [{ type: 'source', id: source.id, url: source.url, title: source.title }];
  }
}
