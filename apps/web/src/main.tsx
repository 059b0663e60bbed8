/**
 * The chat page's entry: the layout (sidebar, thread, connection state, composer), the copy
 * buttons of code blocks, the theme, and the start: resume a stream that was running when the
 * page reloaded, or reopen the conversation that was open.
 * @module
 */
import { render } from 'preact';
import { loadOpenConversation, loadRunning } from './chat/running-stream.ts';
import { openConversation, refreshConversations, resumeRunning } from './chat/state.ts';
import { Composer } from './ui/composer.tsx';
import { applyTheme, Sidebar } from './ui/sidebar.tsx';
import { ConnectionStatus } from './ui/status.tsx';
import { Thread } from './ui/thread.tsx';

function App() {
  return (
    <div class="layout">
      <Sidebar />
      <main class="main">
        <Thread />
        <ConnectionStatus />
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

async function start(): Promise<void> {
  const running = loadRunning();
  const open = loadOpenConversation();
  if (running) await resumeRunning(running);
  else if (open) await openConversation(open);
  await refreshConversations();
}

applyTheme();
render(<App />, document.getElementById('app')!);
void start();
