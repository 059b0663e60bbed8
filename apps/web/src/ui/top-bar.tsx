/**
 * The bar above the thread: the conversation list (a drawer on a phone), the title, the
 * model picker (from `GET /api/v1/models`; the server remembers the choice per conversation),
 * Export (Markdown or JSON), and New chat on a phone.
 * @module
 */
import { useRef } from 'preact/hooks';
import { exportJson, exportMarkdown } from '../chat/export.ts';
import {
  conversationId,
  conversationTitle,
  isBusy,
  messages,
  model,
  models,
  newChat,
} from '../chat/state.ts';
import { MenuIcon, PlusIcon } from './icons.tsx';
import { drawerOpen } from './sidebar.tsx';

function ModelPicker() {
  const list = models.value;
  if (!list || list.length === 0) return null;
  return (
    <select
      class="model"
      aria-label="Model"
      value={model.value}
      disabled={isBusy()}
      onChange={(e) => {
        model.value = e.currentTarget.value;
      }}
    >
      {list.map((m) => (
        <option key={m.id} value={m.id}>
          {m.id}
        </option>
      ))}
    </select>
  );
}

function ExportMenu() {
  const menu = useRef<HTMLDetailsElement>(null);
  if (messages.value.length === 0) return null;
  const title = () => conversationTitle.value ?? messages.value[0]?.text.split('\n')[0] ?? 'conversation';
  const close = () => menu.current?.removeAttribute('open');
  return (
    <details
      class="export"
      ref={menu}
      onKeyDown={(e) => {
        if (e.key === 'Escape') close();
      }}
    >
      <summary>Export</summary>
      <div class="menu">
        <button
          type="button"
          onClick={() => {
            close();
            exportMarkdown(title(), messages.value);
          }}
        >
          Export as Markdown
        </button>
        <button
          type="button"
          onClick={() => {
            close();
            void exportJson(conversationId.value, title(), messages.value);
          }}
        >
          Export as JSON
        </button>
      </div>
    </details>
  );
}

export function TopBar() {
  return (
    <header class="top-bar">
      <button
        type="button"
        class="icon menu"
        aria-label="Conversations"
        aria-controls="sidebar"
        aria-expanded={drawerOpen.value}
        onClick={() => {
          drawerOpen.value = !drawerOpen.value;
        }}
      >
        <MenuIcon />
      </button>
      <h1 class="conversation-title" dir="auto">
        {conversationTitle.value ?? 'New chat'}
      </h1>
      <ModelPicker />
      <ExportMenu />
      <button type="button" class="icon new-top" aria-label="New chat" onClick={newChat}>
        <PlusIcon />
      </button>
    </header>
  );
}
