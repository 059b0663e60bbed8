/**
 * The conversation as a tree, on the page: every message names the one it follows (a
 * regenerated answer or an edited question is a sibling branch). The page shows one branch:
 * at each fork the version the reader picked, else the one holding the newest message, so a
 * new question, a regenerate or an edit shows itself. Pure functions over the messages in the
 * order they were made (a parent always comes before its children).
 * @module
 */

export interface TreeNode {
  key: string;
  /** The key of the message this one follows; null for a first question. */
  parent: string | null;
}

/** The key of the root's "parent" in the map of picks. */
export const ROOT = '';

/** The children of each message (ROOT for the first questions), in the order they were made. */
export function childrenOf<T extends TreeNode>(nodes: T[]): Map<string, T[]> {
  const children = new Map<string, T[]>();
  for (const node of nodes) {
    const parent = node.parent ?? ROOT;
    const list = children.get(parent);
    if (list) list.push(node);
    else children.set(parent, [node]);
  }
  return children;
}

/** For each message, the place (in `nodes`) of the newest message of its subtree. */
function newestBelow<T extends TreeNode>(nodes: T[]): Map<string, number> {
  const newest = new Map<string, number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const own = Math.max(i, newest.get(node.key) ?? -1);
    newest.set(node.key, own);
    const parent = node.parent ?? ROOT;
    newest.set(parent, Math.max(newest.get(parent) ?? -1, own));
  }
  return newest;
}

/** The branch shown: from a first question down, at each fork the picked child or the newest. */
export function activeBranch<T extends TreeNode>(nodes: T[], picks: Record<string, string>): T[] {
  const children = childrenOf(nodes);
  const newest = newestBelow(nodes);
  const branch: T[] = [];
  for (let parent = ROOT; branch.length < nodes.length; ) {
    const options = children.get(parent);
    if (!options) break;
    const picked = options.find((n) => n.key === picks[parent]);
    const next =
      picked ?? options.reduce((a, b) => ((newest.get(b.key) ?? 0) > (newest.get(a.key) ?? 0) ? b : a));
    branch.push(next);
    parent = next.key;
  }
  return branch;
}

/** The picks that show the branch through `key` (every ancestor picked on the way down). */
export function picksToward<T extends TreeNode>(nodes: T[], key: string): Record<string, string> {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const picks: Record<string, string> = {};
  for (let node = byKey.get(key); node; node = byKey.get(node.parent ?? ROOT)) {
    picks[node.parent ?? ROOT] = node.key;
  }
  return picks;
}
