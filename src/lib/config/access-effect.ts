/**
 * What changing one setting does to access (who gets which token), as each setting declares it: a direction and
 * words a user understands, never a value. The deploy orders its writes by the direction and prints the words.
 */
import { splitList } from '../base/text';

/**
 * `narrows`: fewer callers, grants, rooms or seconds; `widens`: more; `both`: some of each (another room, another
 * issuer); `none`: who gets which token is unchanged (a rotated signing key, say).
 */
type AccessDirection = 'narrows' | 'widens' | 'both' | 'none';

export interface AccessEffect {
  readonly direction: AccessDirection;
  /** For the plan, after "narrows access: ", e.g. "1 secret revoked". Never a value. */
  readonly words: string;
}

/**
 * Compares a setting's value before and after (trimmed; undefined when unset or blank, which is what the service
 * reads then). Called only when the two differ.
 */
export type AccessComparison = (before: string | undefined, after: string | undefined) => AccessEffect;

const effect = (direction: AccessDirection, words: string): AccessEffect => ({ direction, words });

/** "1 secret", "2 secrets". */
function count(n: number, noun: { one: string; many: string }): string {
  return `${n} ${n === 1 ? noun.one : noun.many}`;
}

/** Words for each kind of list change: what happened to the removed, added and changed entries. */
interface ListWords {
  readonly noun: { readonly one: string; readonly many: string };
  readonly removed: string;
  readonly added: string;
  /** For entries kept under the same key with another value (a user's password). */
  readonly changed?: string;
}

/**
 * A list whose entries each let callers in or out: removed entries narrow, added ones widen. `keyOf` names an entry
 * (a Basic user by name), so a changed password is told from a new user. `fallback` is the list in force when the
 * setting is unset (TOKEN_GRANTS defaults to video).
 * @example entryList({ noun: { one: 'secret', many: 'secrets' }, removed: 'revoked', added: 'added' })('a,b', 'a').words // '1 secret revoked'
 */
export function entryList(
  words: ListWords,
  options: { readonly split?: (value: string) => string[]; readonly keyOf?: (entry: string) => string; readonly fallback?: string } = {},
): AccessComparison {
  const split = options.split ?? splitList;
  const keyOf = options.keyOf ?? ((entry: string) => entry);
  const entries = (value: string | undefined) => {
    const text = value ?? options.fallback;
    return new Map((text === undefined ? [] : split(text)).map((entry) => [keyOf(entry), entry]));
  };
  return (before, after) => {
    const old = entries(before);
    const next = entries(after);
    const removed = [...old.keys()].filter((key) => !next.has(key)).length;
    const added = [...next.keys()].filter((key) => !old.has(key)).length;
    const changed = [...next.keys()].filter((key) => old.has(key) && old.get(key) !== next.get(key)).length;
    const parts = [
      ...(removed > 0 ? [`${count(removed, words.noun)} ${words.removed}`] : []),
      ...(changed > 0 ? [`${count(changed, words.noun)} ${words.changed ?? 'changed'}`] : []),
      ...(added > 0 ? [`${count(added, words.noun)} ${words.added}`] : []),
    ];
    const narrows = removed > 0 || changed > 0;
    const widens = added > 0 || changed > 0;
    if (!narrows && !widens) return effect('none', `the same ${words.noun.many}, written differently`);
    return effect(narrows && widens ? 'both' : narrows ? 'narrows' : 'widens', parts.join(', '));
  };
}

/**
 * A number that is an upper bound on what callers get (a lifetime, a clock tolerance): lower narrows, higher widens.
 * `fallback` is the value in force when unset.
 * @example upperBound({ what: 'the longest token lifetime', fallback: 3600 })('3600', '600').direction // 'narrows'
 */
export function upperBound(options: { readonly what: string; readonly fallback: number }): AccessComparison {
  const read = (value: string | undefined) => (value === undefined ? options.fallback : Number(value));
  return (before, after) => {
    const [old, next] = [read(before), read(after)];
    if (!(Number.isFinite(old) && Number.isFinite(next))) return effect('both', `${options.what} changes`);
    if (next < old) return effect('narrows', `${options.what} is shorter`);
    if (next > old) return effect('widens', `${options.what} is longer`);
    return effect('none', `${options.what} stays the same`);
  };
}

/**
 * A setting whose presence restricts callers (a pinned room, a policy, a shared throttle): setting it narrows,
 * removing it widens, changing it does some of each.
 * @example restriction({ set: '…', removed: "the policy's limits stop applying", changed: '…' })('{…}', undefined).direction // 'widens'
 */
export function restriction(words: { readonly set: string; readonly removed: string; readonly changed: string }): AccessComparison {
  return (before, after) => {
    if (before === undefined) return effect('narrows', words.set);
    if (after === undefined) return effect('widens', words.removed);
    return effect('both', words.changed);
  };
}

/**
 * A setting whose presence lets callers in or gives them more (an identity provider, outgoing calls, a signing key):
 * setting it widens, removing it narrows, changing it does some of each unless `changed` says it is neutral.
 */
export function enabler(words: {
  readonly set: string;
  readonly removed: string;
  readonly changed: string;
  /** 'none' when another value gives the same callers the same tokens (another signing key of the account). */
  readonly changedDirection?: 'both' | 'none';
}): AccessComparison {
  return (before, after) => {
    if (before === undefined) return effect('widens', words.set);
    if (after === undefined) return effect('narrows', words.removed);
    return effect(words.changedDirection ?? 'both', words.changed);
  };
}

/** A setting where any change does some of each (another Sync service, another region, another claim). */
export function eitherWay(words: string): AccessComparison {
  return () => effect('both', words);
}

/**
 * A true/false switch where true gives callers more (VOICE_INCOMING_ALLOW); unset reads as `fallback`.
 * @example switchOn({ on: 'tokens may receive calls', off: '…', fallback: false })(undefined, 'true').direction // 'widens'
 */
export function switchOn(words: { readonly on: string; readonly off: string; readonly fallback: boolean }): AccessComparison {
  const read = (value: string | undefined) => (value === undefined ? words.fallback : value.toLowerCase() === 'true');
  return (before, after) => {
    const [old, next] = [read(before), read(after)];
    if (old === next) return effect('none', 'the same switch, written differently');
    return next ? effect('widens', words.on) : effect('narrows', words.off);
  };
}

/** Nothing the service decides about callers (read only by npm run deploy, or provided by Twilio). */
export function noAccessEffect(words: string): AccessComparison {
  return () => effect('none', words);
}
