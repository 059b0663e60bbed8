/**
 * Export of the conversation as a download: Markdown (the branch shown, questions and answers
 * as they were written) or JSON (the stored conversation with every branch, as the API gives
 * it; the branch shown when the server keeps no history).
 * @module
 */
import { loadConversation } from './api.ts';
import type { Message } from './state.ts';

/** The branch as Markdown: a heading per speaker, the answers' Markdown as it is. */
export function toMarkdown(title: string, branch: Message[]): string {
  const parts = branch.map((m) =>
    m.role === 'user' ? `## You\n\n${m.text}` : `## Assistant\n\n${m.text.trimEnd()}`,
  );
  return `# ${title}\n\n${parts.join('\n\n')}\n`;
}

/** A file name from the title: letters, digits and dashes. */
function fileName(title: string, extension: string): string {
  const base = title
    .normalize('NFKD')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${base || 'conversation'}.${extension}`;
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function exportMarkdown(title: string, branch: Message[]): void {
  download(fileName(title, 'md'), 'text/markdown;charset=utf-8', toMarkdown(title, branch));
}

export async function exportJson(id: string | null, title: string, branch: Message[]): Promise<void> {
  const stored = id ? await loadConversation(id) : undefined;
  const data = stored ?? {
    title,
    messages: branch.map((m) => ({ role: m.role, content: m.text })),
  };
  download(fileName(title, 'json'), 'application/json', `${JSON.stringify(data, null, 2)}\n`);
}
