/**
 * The few icons of the page, as inline SVG (emoji and symbol glyphs depend on the fonts a
 * system has). Decorative: the buttons carrying them have their own accessible names.
 * @module
 */

const svg = (path: string) => () => (
  <svg
    aria-hidden="true"
    width="16"
    height="16"
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
  >
    <path d={path} />
  </svg>
);

export const PencilIcon = svg('M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4');
export const TrashIcon = svg('M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3');
export const PlusIcon = svg('M12 5v14M5 12h14');
export const MenuIcon = svg('M4 6h16M4 12h16M4 18h16');
