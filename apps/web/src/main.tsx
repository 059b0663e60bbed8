/**
 * The chat page's entry: the layout (conversation list or drawer, top bar, thread,
 * connection state, composer), the copy buttons of code blocks, the theme, the height of the
 * visible viewport (so the composer stays above a phone's keyboard), and the start: the
 * models, then resume a stream that was running when the page reloaded, or reopen the
 * conversation that was open.
 * @module
 */
import { render } from 'preact';
import { listModels } from './chat/api.ts';
import { resumeImage } from './chat/image-task.ts';
import { resumeReading } from './chat/read-aloud.ts';
import { loadOpenConversation, loadRunning } from './chat/running-stream.ts';
import { model, models, openConversation, refreshConversations, resumeRunning } from './chat/state.ts';
import { Composer } from './ui/composer.tsx';
import { ImageTasks } from './ui/image-task.tsx';
import { AutoReadToggle } from './ui/read-aloud.tsx';
import { applyTheme, drawerOpen, Sidebar } from './ui/sidebar.tsx';
import { ConnectionStatus } from './ui/status.tsx';
import { Thread } from './ui/thread.tsx';
import { TopBar } from './ui/top-bar.tsx';

function App() {
  return (
    <div class="layout">
      <Sidebar />
      {drawerOpen.value && (
        <button
          type="button"
          class="backdrop"
          aria-label="Close the conversation list"
          onClick={() => {
            drawerOpen.value = false;
          }}
        />
      )}
      <main class="main">
        <TopBar />
        <Thread />
        <ImageTasks />
        <ConnectionStatus />
        <AutoReadToggle />
        <Composer />
      </main>
    </div>
  );
}

/** Copy buttons of code blocks (delegated: rendered blocks carry no handlers). */
document.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest('button.copy');
  const code = button?.closest('.code-block')?.querySelector('code');
  if (!button || !code) return;
  void navigator.clipboard?.writeText(code.textContent ?? '').then(() => {
    button.textContent = 'Copied';
    setTimeout(() => {
      button.textContent = 'Copy';
    }, 1500);
  });
});

/** The page is as tall as the visible viewport: a phone's keyboard shrinks it, not covers it. */
function followVisibleViewport(): void {
  const viewport = window.visualViewport;
  if (!viewport) return;
  const fit = () => document.documentElement.style.setProperty('--app-height', `${viewport.height}px`);
  viewport.addEventListener('resize', fit);
  fit();
}

async function start(): Promise<void> {
  const list = await listModels();
  models.value = list;
  model.value = list?.find((m) => m.default)?.id ?? list?.[0]?.id;
  const running = loadRunning();
  const open = loadOpenConversation();
  resumeImage();
  resumeReading();
  if (running) await resumeRunning(running);
  else if (open) await openConversation(open);
  await refreshConversations();
}

applyTheme();
followVisibleViewport();
render(<App />, document.getElementById('app')!);
void start();
