/**
 * The typewriter's own renderer for the design guide's form, `new AdaptiveTypewriter(element)`:
 * it appends the revealed text to one text node it adds to the element (one node, not one per
 * frame: a long answer stays a single node), and removes that node on `reset`.
 * @module
 */

/** A DOM element, however made (another window's, a custom element): checked by `nodeType`. */
export function isElement(value: unknown): value is Element {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Node).nodeType === 1 &&
    typeof (value as Element).append === 'function'
  );
}

export interface ElementSink {
  /** Appends revealed text (whole graphemes). */
  write(text: string): void;
  /** Removes the text written so far. */
  clear(): void;
}

export function elementSink(element: Element): ElementSink {
  let node: Text | undefined;
  return {
    write(text) {
      if (!node) {
        node = (element.ownerDocument ?? document).createTextNode('');
        element.append(node);
      }
      node.appendData(text);
    },
    clear() {
      node?.remove();
      node = undefined;
    },
  };
}
