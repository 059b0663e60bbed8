/**
 * The benchmark page: measures main-thread time to render a long answer as it streams in,
 * with block freezing (the page's renderer) against re-rendering the whole text each time.
 * Called by `npm run bench` in Chromium, and by the renderer's browser tests.
 * @module
 */
import { createIncrementalRenderer } from './markdown/incremental.ts';
import { renderMarkdown } from './markdown/render-block.ts';

interface Result {
  chars: number;
  updates: number;
  incrementalMs: number;
  fullRerenderMs: number | null;
}

function measure(text: string, charsPerUpdate: number, withFull: boolean): Result {
  const out = document.getElementById('out')!;
  const renderer = createIncrementalRenderer(out);
  let updates = 0;
  const began = performance.now();
  for (let end = charsPerUpdate; end < text.length + charsPerUpdate; end += charsPerUpdate) {
    renderer.update(text.slice(0, end));
    updates++;
  }
  renderer.finish();
  const incrementalMs = performance.now() - began;
  let fullRerenderMs: number | null = null;
  if (withFull) {
    const start = performance.now();
    for (let end = charsPerUpdate; end < text.length + charsPerUpdate; end += charsPerUpdate) {
      out.innerHTML = renderMarkdown(text.slice(0, end));
    }
    fullRerenderMs = performance.now() - start;
  }
  out.replaceChildren();
  return { chars: text.length, updates, incrementalMs, fullRerenderMs };
}

/** Renders `text` streamed in pieces of `charsPerUpdate`, and at once; returns both HTMLs. */
function compare(text: string, charsPerUpdate: number): { incremental: string; oneShot: string } {
  const out = document.getElementById('out')!;
  const renderer = createIncrementalRenderer(out);
  for (let end = charsPerUpdate; end < text.length + charsPerUpdate; end += charsPerUpdate) {
    renderer.update(text.slice(0, Math.min(end, text.length)));
  }
  renderer.finish();
  const incremental = Array.from(out.children, (child) => child.innerHTML).join('');
  out.replaceChildren();
  return { incremental, oneShot: renderMarkdown(text) };
}

/** Streams `text` in without finishing; returns what is frozen and what is still live. */
function midStream(text: string, charsPerUpdate: number): { frozen: string; live: string } {
  const out = document.getElementById('out')!;
  const renderer = createIncrementalRenderer(out);
  for (let end = charsPerUpdate; end < text.length + charsPerUpdate; end += charsPerUpdate) {
    renderer.update(text.slice(0, Math.min(end, text.length)));
  }
  const [frozen = '', ...live] = Array.from(out.children, (child) => child.innerHTML);
  out.replaceChildren();
  return { frozen, live: live.join('') };
}

declare global {
  interface Window {
    tidewireRenderBench: typeof measure;
    tidewireRenderCompare: typeof compare;
    tidewireRenderMidStream: typeof midStream;
  }
}
window.tidewireRenderBench = measure;
window.tidewireRenderCompare = compare;
window.tidewireRenderMidStream = midStream;
