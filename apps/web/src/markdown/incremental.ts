/**
 * Incremental Markdown for a streaming answer, with block freezing: only the unfrozen tail of
 * the text is lexed; every complete block is rendered once (highlighted), appended, and never
 * touched again; only the still growing blocks at the end are re-rendered, after `remend`
 * heals their unfinished inline markers (`**bold` shows bold, not asterisks). So the cost of
 * an answer grows linearly with its length, not quadratically. Synchronous and DOM-only (no
 * framework), so the benchmark can measure it directly.
 * @module
 */
import type { Token, Tokens, TokensList } from 'marked';
import remend from 'remend';
import { lex, renderMarkdown, renderTokens } from './render-block.ts';

const REFERENCE_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*\S/m;
const OPENING_FENCE = /^ {0,3}(`{3,}|~{3,})/;
const CLOSING_FENCE = /^ {0,3}(`{3,}|~{3,}) *$/;

/**
 * Healing for the growing tail only. Off: what the final render would show differently
 * (escaped `>` and `~`, stripped tags: raw HTML is shown as text here anyway) and math.
 */
const HEAL = {
  htmlTags: false,
  comparisonOperators: false,
  singleTilde: false,
  katex: false,
  inlineKatex: false,
  linkMode: 'text-only',
} as const;

export interface IncrementalRenderer {
  /** Shows `text` (the whole answer so far; it only ever grows). */
  update(text: string): void;
  /** The text is complete: freezes the last blocks too. */
  finish(): void;
}

/**
 * A fenced code block whose closing fence line has ended (a newline or another token follows)
 * can never change again, so it is frozen and highlighted at once.
 */
export function isClosedFence(token: Token, followed: boolean): boolean {
  if (token.type !== 'code' || (!followed && !token.raw.endsWith('\n'))) return false;
  const lines = token.raw.replace(/\n+$/, '').split('\n');
  const open = OPENING_FENCE.exec(lines[0] ?? '')?.[1];
  const close = lines.length > 1 ? CLOSING_FENCE.exec(lines.at(-1) ?? '')?.[1] : undefined;
  return !!open && !!close && close[0] === open[0] && close.length >= open.length;
}

/**
 * How many leading tokens of the lexed tail are complete. A block is complete once two more
 * blocks follow it: the last block may still grow (a paragraph becomes a setext heading), and
 * so may the one before it while the last is still ambiguous (a list followed by "2" that
 * becomes "2. second", one loose list). A closed code fence ends everything before it.
 */
export function completeTokenCount(tokens: Token[]): number {
  const blocks = tokens.flatMap((t, i) => (t.type === 'space' ? [] : [i]));
  const settled = blocks.at(-2) ?? 0;
  for (let i = tokens.length - 1; i >= settled; i--) {
    if (isClosedFence(tokens[i]!, i + 1 < tokens.length)) return i + 1;
  }
  return settled;
}

/** Source text of tokens. */
const rawOf = (tokens: Token[]): string => tokens.reduce((text, token) => text + token.raw, '');

/**
 * The live tail, in two parts: the blocks before the last (re-rendered only when their text
 * changes, which is rare) and the last block (re-rendered, healed, at every update). Inside
 * an open code fence the new text is appended to the `<code>` element instead, so a long
 * code block costs no more than its length.
 */
function createLiveView(settling: HTMLElement, growing: HTMLElement) {
  let settlingSource = '';
  let growingSource = '';
  let openCode: { lang: string | undefined; text: string; element: Element } | undefined;

  function appendToOpenCode(tail: Token[]): boolean {
    const block = tail[0];
    if (!openCode || tail.length !== 1 || block?.type !== 'code' || block.lang !== openCode.lang)
      return false;
    if (isClosedFence(block, false) || !block.text.startsWith(openCode.text)) return false;
    openCode.element.append(block.text.slice(openCode.text.length));
    openCode.text = block.text;
    return true;
  }

  function renderGrowing(tail: Token[], links: TokensList['links'], source: string): void {
    const healed = remend(source, HEAL);
    // Most updates need no healing: then the tail's tokens are the block already.
    growing.replaceChildren(renderTokens(healed === source ? tail : lex(healed), links, false));
    const block = tail[0];
    const open = tail.length === 1 && block?.type === 'code' && !isClosedFence(block, false);
    const code = open ? growing.querySelector('pre code') : null;
    openCode = code
      ? { lang: (block as Tokens.Code).lang, text: (block as Tokens.Code).text, element: code }
      : undefined;
  }

  return {
    show(tokens: Token[], links: TokensList['links']): void {
      const last = tokens.findLastIndex((t) => t.type !== 'space');
      const before = tokens.slice(0, Math.max(0, last));
      const tail = last < 0 ? [] : tokens.slice(last);
      const settlingText = rawOf(before);
      if (settlingText !== settlingSource) {
        settlingSource = settlingText;
        settling.replaceChildren(renderTokens(before, links, false));
      }
      const growingText = rawOf(tail);
      if (growingText === growingSource) return;
      growingSource = growingText;
      if (!appendToOpenCode(tail)) renderGrowing(tail, links, growingText);
    },
  };
}

export function createIncrementalRenderer(container: HTMLElement): IncrementalRenderer {
  const part = (name: string) => Object.assign(document.createElement('div'), { className: name });
  const [frozen, settling, growing] = [part('md-frozen'), part('md-settling'), part('md-growing')];
  container.replaceChildren(frozen, settling, growing);
  const live = createLiveView(settling, growing);
  let frozenLength = 0;
  let text = '';

  function render(final: boolean): void {
    const tokens = lex(text.slice(frozenLength));
    const complete = final ? tokens.length : completeTokenCount(tokens);
    if (complete > 0) {
      const done = tokens.slice(0, complete);
      frozen.append(renderTokens(done, tokens.links, true));
      frozenLength += rawOf(done).length;
    }
    live.show(tokens.slice(complete), tokens.links);
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
        frozenLength = text.length;
        live.show([], {});
        return;
      }
      render(true);
    },
  };
}
