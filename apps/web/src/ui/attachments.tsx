/**
 * An answer's sources (links) and files (images shown inline, other files as links). Only
 * web links and same-origin paths are followed, and only image data URLs are shown: a
 * model's output never becomes script.
 * @module
 */
import type { RichView } from '@tidewire/client';

const WEB = /^https?:\/\//i;
// An SVG in an <img> runs no script, so SVG data URLs are shown too.
const IMAGE_DATA = /^data:image\/(png|jpeg|gif|webp|avif|svg\+xml);base64,/i;

const linkable = (url: string) => WEB.test(url) || (url.startsWith('/') && !url.startsWith('//'));

export function Sources({ view }: { view: RichView }) {
  const sources = view.sources.filter((s) => linkable(s.url));
  if (sources.length === 0) return null;
  return (
    <nav class="sources" aria-label="Sources" data-testid="sources">
      <span class="sources-label">Sources</span>
      <ol>
        {sources.map((s) => (
          <li key={s.id}>
            <a href={s.url} target="_blank" rel="noopener noreferrer">
              {s.title}
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function Files({ view }: { view: RichView }) {
  if (view.files.length === 0) return null;
  return (
    <div class="files" data-testid="files">
      {view.files.map((f) => {
        const image = f.mediaType.startsWith('image/') && (linkable(f.url) || IMAGE_DATA.test(f.url));
        if (image)
          return (
            <img key={f.id} src={f.url} alt={`A file from the answer (${f.mediaType})`} loading="lazy" />
          );
        return linkable(f.url) ? (
          <a key={f.id} href={f.url} target="_blank" rel="noopener noreferrer" download>
            {f.mediaType} file
          </a>
        ) : null;
      })}
    </div>
  );
}
