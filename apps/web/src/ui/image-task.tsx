/**
 * The image tasks above the composer: each shows its prompt, a progress bar with its
 * percentage and note, and one picture that sharpens in place as previews arrive (marked
 * `data-final` once it is the finished image), with Stop while it runs.
 * @module
 */
import { type ImageTask, imageTasks, stopImage } from '../chat/image-task.ts';

function ImageCard({ task }: { task: ImageTask }) {
  const running = task.status === 'running';
  return (
    <figure class="image-task" data-testid="image-task" data-status={task.status} data-pct={task.pct}>
      <div class="image-frame">
        {task.preview ? (
          <img
            src={task.preview}
            alt={task.prompt}
            data-final={task.final ? 'true' : 'false'}
            data-testid="image-preview"
          />
        ) : (
          <span class="image-placeholder">Preparing…</span>
        )}
      </div>
      <figcaption>
        <span class="image-prompt" dir="auto">
          {task.prompt}
        </span>
        <progress max={100} value={task.pct} aria-label="Image progress" />
        <span class="image-pct" data-testid="image-pct">
          {task.pct}%{task.note ? ` · ${task.note}` : ''}
          {task.status === 'cancelled' ? ' · stopped' : ''}
          {task.status === 'failed' ? ` · ${task.error ?? 'failed'}` : ''}
        </span>
        {running && task.streamId && (
          <button type="button" class="act" onClick={() => stopImage(task.key)}>
            Stop
          </button>
        )}
      </figcaption>
    </figure>
  );
}

export function ImageTasks() {
  const tasks = imageTasks.value;
  if (tasks.length === 0) return null;
  return (
    <section class="image-tasks" aria-label="Images">
      {tasks.map((task) => (
        <ImageCard key={task.key} task={task} />
      ))}
    </section>
  );
}
