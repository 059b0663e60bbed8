/**
 * The sidebar: a new chat, the stored conversations (when the server keeps them), and the
 * theme toggle (auto, dark, light).
 * @module
 */
import {
  conversationId,
  conversations,
  newChat,
  showConversation,
  type Theme,
  theme,
} from '../chat/state.ts';

const NEXT_THEME: Record<Theme, Theme> = { auto: 'dark', dark: 'light', light: 'auto' };

export function applyTheme(): void {
  if (theme.value === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme.value;
}

function cycleTheme(): void {
  theme.value = NEXT_THEME[theme.value];
  if (theme.value === 'auto') localStorage.removeItem('tidewire.theme');
  else localStorage.setItem('tidewire.theme', theme.value);
  applyTheme();
}

export function Sidebar() {
  return (
    <nav class="sidebar" aria-label="Conversations">
      <button type="button" class="new" onClick={newChat}>
        + New chat
      </button>
      {conversations.value === undefined ? (
        <p class="muted">History is not available.</p>
      ) : (
        <ul>
          {conversations.value.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                class={c.id === conversationId.value ? 'current' : ''}
                aria-current={c.id === conversationId.value ? 'page' : undefined}
                dir="auto"
                onClick={() => void showConversation(c.id)}
              >
                {c.title}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" class="theme" onClick={cycleTheme} aria-label={`Theme: ${theme.value} (change)`}>
        Theme: {theme.value}
      </button>
    </nav>
  );
}
