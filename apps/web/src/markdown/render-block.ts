/**
 * Renders Markdown tokens to safe HTML: raw HTML from the model is shown as text (escaped),
 * code blocks get a header with the language and a copy button (highlighted when asked),
 * links open in a new tab, and every result passes DOMPurify before it touches the DOM.
 * @module
 */
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import { Marked, type Token, type Tokens, type TokensList } from 'marked';

for (const [name, language] of Object.entries({ bash, css, javascript, json, python, typescript, xml })) {
  hljs.registerLanguage(name, language);
}
hljs.registerAliases(['sh', 'shell'], { languageName: 'bash' });
hljs.registerAliases(['js'], { languageName: 'javascript' });
hljs.registerAliases(['ts'], { languageName: 'typescript' });
hljs.registerAliases(['html'], { languageName: 'xml' });
hljs.registerAliases(['py'], { languageName: 'python' });

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function codeBlock(text: string, lang: string | undefined, highlight: boolean): string {
  const language = lang?.trim().split(/\s+/)[0] ?? '';
  const known = language !== '' && hljs.getLanguage(language) !== undefined;
  const body =
    highlight && known ? hljs.highlight(text, { language, ignoreIllegals: true }).value : escapeHtml(text);
  return (
    `<div class="code-block"><div class="code-head"><span>${escapeHtml(language || 'text')}</span>` +
    '<button type="button" class="copy" aria-label="Copy code">Copy</button></div>' +
    `<pre><code class="hljs${known ? ` language-${escapeHtml(language)}` : ''}">${body}</code></pre></div>`
  );
}

function createMarked(highlight: boolean): Marked {
  return new Marked({
    gfm: true,
    renderer: {
      html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
      code: ({ text, lang }: Tokens.Code) => codeBlock(text, lang, highlight),
    },
  });
}

const finished = createMarked(true);
const growing = createMarked(false);

export const lex = (markdown: string): TokensList => finished.lexer(markdown);

/** What survives sanitizing: Markdown's own HTML plus the code blocks' copy buttons. */
const PURIFY = { FORBID_TAGS: ['style', 'form', 'input'], ADD_ATTR: ['aria-label'] };
// One instance per output kind, configured once (a config per call is parsed per call).
const purifyToHtml = DOMPurify(window);
purifyToHtml.setConfig(PURIFY);
const purifyToDom = DOMPurify(window);
purifyToDom.setConfig({ ...PURIFY, RETURN_DOM_FRAGMENT: true });
for (const purify of [purifyToHtml, purifyToDom]) {
  // A link in an answer opens a new tab: following it must not leave a streaming answer.
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName !== 'A' || !node.hasAttribute('href')) return;
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  });
}

function parse(tokens: Token[], links: TokensList['links'], final: boolean): string {
  const list = Object.assign([...tokens], { links }) as TokensList;
  return (final ? finished : growing).parser(list);
}

/**
 * Sanitized DOM of block tokens, ready to insert (no second HTML parse); `final` blocks get
 * syntax highlighting, growing ones do not.
 */
export function renderTokens(tokens: Token[], links: TokensList['links'], final: boolean): DocumentFragment {
  return purifyToDom.sanitize(parse(tokens, links, final)) as unknown as DocumentFragment;
}

/** Safe HTML of a whole Markdown text at once (stored messages, and the tests' reference). */
export function renderMarkdown(markdown: string): string {
  const tokens = lex(markdown);
  return purifyToHtml.sanitize(parse(tokens, tokens.links, true));
}
