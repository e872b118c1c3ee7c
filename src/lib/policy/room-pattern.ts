/** Room patterns of a policy rule: whether a room name matches one, in time bounded by the two lengths. */

/**
 * Whether a room name matches a pattern in which `*` matches any run of characters (none included) and
 * every other character matches itself, case-sensitively. Greedy with one backtrack point, so the time is
 * at most pattern length × room length: no regular expression is built from configuration (no ReDoS).
 * @example matchesRoomPattern('class-*', 'class-7b') // true
 */
export function matchesRoomPattern(pattern: string, room: string): boolean {
  let p = 0;
  let r = 0;
  let star = -1;
  let resume = 0;
  while (r < room.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = r;
    } else if (p < pattern.length && pattern[p] === room[r]) {
      p++;
      r++;
    } else if (star !== -1) {
      p = star + 1;
      r = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
