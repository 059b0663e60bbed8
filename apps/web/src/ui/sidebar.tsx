/**
 * The sidebar: a new chat, a search of the conversations (titles and messages), the stored
 * conversations (when the server keeps them), each with Rename (in place: Enter saves, Escape
 * cancels) and Delete (asks once more, in place), and the theme toggle (auto, dark, light).
 * On a phone it is a drawer (`drawerOpen`), closed by Escape, the backdrop, or a choice.
 * @module
 */
import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ConversationSummary, deleteConversation, renameConversation } from '../chat/api.ts';
import {
  conversationId,
  conversations,
  newChat,
  refreshConversations,
  searchText,
  showConversation,
  type Theme,
  theme,
} from '../chat/state.ts';
import { PencilIcon, TrashIcon } from './icons.tsx';

const NEXT_THEME: Record<Theme, Theme> = { auto: 'dark', dark: 'light', light: 'auto' };

export const drawerOpen = signal(false);
/** A rename or delete the server refused, shown under the list. */
const listError = signal<string | undefined>(undefined);

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

/**
 * Runs a change of the list; a refusal is shown, and the list is fetched again either way. A
 * keyboard user whose item went away (deleted) lands on the search box, not on the page.
 */
async function change(action: () => Promise<void>): Promise<void> {
  listError.value = undefined;
  try {
    await action();
  } catch (error) {
    listError.value = (error as Error).message;
  }
  await refreshConversations();
  if (document.activeElement === document.body)
    document.querySelector<HTMLElement>('.sidebar .search')?.focus();
}

let searchTimer: ReturnType<typeof setTimeout> | undefined;
function search(text: string): void {
  searchText.value = text;
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => void refreshConversations(), 200);
}

function RenameForm({ item, onDone }: { item: ConversationSummary; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  const save = () => {
    const title = input.current!.value.trim();
    onDone();
    if (title && title !== item.title) void change(() => renameConversation(item.id, title));
  };
  return (
    <form
      class="rename"
      onSubmit={(e) => {
        e.preventDefault();
        save();
      }}
    >
      <input
        ref={input}
        aria-label="New title"
        defaultValue={item.title}
        maxLength={200}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            onDone();
          }
        }}
      />
      <button type="submit" class="icon" aria-label="Save title">
        ✓
      </button>
    </form>
  );
}

function ConfirmDelete({ item, onDone }: { item: ConversationSummary; onDone: () => void }) {
  const remove = () => {
    onDone();
    if (item.id === conversationId.value) newChat();
    void change(() => deleteConversation(item.id));
  };
  return (
    <fieldset class="confirm" aria-label={`Delete “${item.title}”?`}>
      <span>Delete?</span>
      <button type="button" class="danger" onClick={remove}>
        Delete
      </button>
      <button type="button" onClick={onDone} ref={(b) => b?.focus()}>
        Cancel
      </button>
    </fieldset>
  );
}

function ConversationItem({ item }: { item: ConversationSummary }) {
  const [mode, setMode] = useState<'show' | 'rename' | 'delete'>('show');
  const title = useRef<HTMLButtonElement>(null);
  const changing = useRef(false);
  // Back from a rename or a cancelled delete: the focus returns to the item.
  useEffect(() => {
    if (mode === 'show' && changing.current) title.current?.focus();
    changing.current = mode !== 'show';
  }, [mode]);
  const current = item.id === conversationId.value;
  if (mode === 'rename') return <RenameForm item={item} onDone={() => setMode('show')} />;
  if (mode === 'delete') return <ConfirmDelete item={item} onDone={() => setMode('show')} />;
  return (
    <>
      <button
        ref={title}
        type="button"
        class={current ? 'title current' : 'title'}
        aria-current={current ? 'page' : undefined}
        dir="auto"
        onClick={() => {
          drawerOpen.value = false;
          void showConversation(item.id);
        }}
      >
        {item.title}
      </button>
      <button
        type="button"
        class="icon"
        aria-label={`Rename “${item.title}”`}
        onClick={() => setMode('rename')}
      >
        <PencilIcon />
      </button>
      <button
        type="button"
        class="icon"
        aria-label={`Delete “${item.title}”`}
        onClick={() => setMode('delete')}
      >
        <TrashIcon />
      </button>
    </>
  );
}

/** Escape closes the drawer, wherever the focus is, and puts it back on the menu button. */
function closeDrawerOnEscape(event: KeyboardEvent): void {
  if (event.key !== 'Escape' || !drawerOpen.value) return;
  drawerOpen.value = false;
  document.querySelector<HTMLElement>('.top-bar .menu')?.focus();
}

export function Sidebar() {
  const nav = useRef<HTMLElement>(null);
  const open = drawerOpen.value;
  useEffect(() => {
    if (!open) return;
    // The drawer takes the focus when it opens (a phone's keyboard user starts in it).
    nav.current?.querySelector<HTMLElement>('button')?.focus();
    document.addEventListener('keydown', closeDrawerOnEscape);
    return () => document.removeEventListener('keydown', closeDrawerOnEscape);
  }, [open]);
  return (
    <nav id="sidebar" ref={nav} class={open ? 'sidebar open' : 'sidebar'} aria-label="Conversations">
      <button
        type="button"
        class="new"
        onClick={() => {
          drawerOpen.value = false;
          newChat();
        }}
      >
        <span aria-hidden="true">+ </span>New chat
      </button>
      {conversations.value === undefined && !searchText.value ? (
        <p class="muted">History is not available.</p>
      ) : (
        <>
          <input
            type="search"
            class="search"
            aria-label="Search conversations"
            placeholder="Search"
            value={searchText.value}
            onInput={(e) => search(e.currentTarget.value)}
          />
          <ul>
            {conversations.value?.map((c) => (
              <li key={c.id}>
                <ConversationItem item={c} />
              </li>
            ))}
          </ul>
          {searchText.value && conversations.value?.length === 0 && (
            <p class="muted">No conversation matches.</p>
          )}
          {listError.value && (
            <p class="muted error" role="alert">
              {listError.value}
            </p>
          )}
        </>
      )}
      <button type="button" class="theme" onClick={cycleTheme} aria-label={`Theme: ${theme.value} (change)`}>
        Theme: {theme.value}
      </button>
    </nav>
  );
}
