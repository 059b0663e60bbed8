/**
 * The message tree of a conversation: each message names the one it follows, so a branch is
 * read by walking up from its last message. Pure, so both databases share it.
 * @module
 */

/** The messages from the root down to `leafId` (empty when `leafId` is not among them). */
export function branchTo<T extends { id: string; parent_id: string | null }>(rows: T[], leafId: string): T[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const path: T[] = [];
  // Bounded by the row count: a cycle (which the store never writes) cannot loop forever.
  for (let row = byId.get(leafId); row && path.length < rows.length; row = byId.get(row.parent_id ?? '')) {
    path.push(row);
  }
  return path.reverse();
}
