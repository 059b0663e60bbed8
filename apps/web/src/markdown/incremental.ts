/**
 * Incremental Markdown for a streaming answer, with block freezing: only the unfrozen tail of
 * the text is lexed; every complete block (a block followed by another) is rendered once,
 * appended, and never touched again; only the last, still growing block is re-rendered. So
 * the cost of an answer grows linearly with its length, not quadratically.
 * @module
 */
import { lex, renderMarkdown, renderTokens } from './render-block.ts';

const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*\S/m;

export interface IncrementalRenderer {
  /** Shows `text` (the whole answer so far; it only ever grows). */
  update(text: string): void;
  /** The text is complete: freezes the last block too. */
  finish(): void;
}

export function createIncrementalRenderer(container: HTMLElement): IncrementalRenderer {
  const frozen = document.createElement('div');
  const live = document.createElement('div');
  frozen.className = 'md-frozen';
  live.className = 'md-live';
  container.replaceChildren(frozen, live);
  let frozenLength = 0;
  let text = '';
  let liveSource: string | undefined;

  function appendFrozen(html: string): void {
    const template = document.createElement('template');
    template.innerHTML = html;
    frozen.append(template.content);
  }

  function render(final: boolean): void {
    const tail = text.slice(frozenLength);
    const tokens = lex(tail);
    // A block is complete once two more blocks follow it: the last block may still grow (a
    // paragraph becomes a setext heading), and so may the one before it while the last is
    // still ambiguous (a list followed by "2" that becomes "2. second", one loose list).
    const blocks = tokens.flatMap((t, i) => (t.type === 'space' ? [] : [i]));
    const last = final ? tokens.length : (blocks.at(-2) ?? 0);
    if (last > 0) {
      const done = tokens.slice(0, last);
      appendFrozen(renderTokens(done, tokens.links, true));
      frozenLength += done.reduce((sum, token) => sum + token.raw.length, 0);
    }
    const growing = final ? '' : text.slice(frozenLength);
    if (growing === liveSource) return;
    liveSource = growing;
    live.innerHTML = growing === '' ? '' : renderTokens(tokens.slice(last), tokens.links, false);
  }

  return {
    update(next) {
      if (next === text) return;
      text = next;
      render(false);
    },
    finish() {
      // A reference link may be defined after blocks that use it were frozen: render the
      // whole text once more (rare: once per answer with reference definitions).
      if (REFERENCE_DEFINITION.test(text)) {
        frozen.innerHTML = renderMarkdown(text);
        live.innerHTML = '';
        frozenLength = text.length;
        return;
      }
      render(true);
    },
  };
}
