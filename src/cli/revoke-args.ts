/** npm run revoke's command line: what to do, to which identity, for how long and why; bad input changes nothing. */
import { identityProblem } from '../lib/token/identity';
import { MAX_REASON_LENGTH } from '../lib/revocation/revocations';

export const REVOKE_USAGE = [
  'usage: npm run revoke -- IDENTITY [--for DURATION] [--reason TEXT] [--evict] [--env FILE]',
  '       npm run revoke -- --list [--env FILE]',
  '       npm run revoke -- --lift IDENTITY [--env FILE]',
  'DURATION: a number with s, m, h or d (e.g. 30m, 12h, 7d); without --for, until lifted.',
  '--evict: once the revocation is written, also end its live sessions: disconnect it from in-progress Video Rooms,',
  '  remove it from its Conversations and move its TaskRouter Worker offline (each when that grant is on).',
  'Credentials come from the environment: TWILIO_API_KEY and TWILIO_API_SECRET (or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN).',
  "Twilio is asked in the env file's TWILIO_REGION (US1 when unset); TWILIO_EDGE in the environment overrides the region's edge.",
].join('\n');

export type RevokeCommand =
  | {
      readonly action: 'revoke';
      readonly identity: string;
      readonly forSeconds?: number;
      readonly reason?: string;
      /** Also end the identity's live sessions once the revocation is written. */
      readonly evict?: true;
    }
  | { readonly action: 'lift'; readonly identity: string }
  | { readonly action: 'list' };

export interface RevokeArgs {
  readonly command: RevokeCommand;
  readonly envFile?: string;
}

/** A usage mistake: exit 2, nothing asked of Twilio. */
export class RevokeUsageError extends Error {}

/** The longest --for: with a week's memory after it ends, the item's TTL stays within Sync's one-year limit. */
const MAX_FOR_SECONDS = 350 * 24 * 3600;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * @example parseDuration('12h') // 43200
 */
export function parseDuration(text: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) throw new RevokeUsageError(`--for takes a duration such as 30m, 12h or 7d, not "${text}"`);
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!;
  if (seconds < 1 || seconds > MAX_FOR_SECONDS) throw new RevokeUsageError(`--for must be between 1s and ${MAX_FOR_SECONDS / 86_400}d`);
  return seconds;
}

/** The identity in NFC form, or a usage error with the identity rules' message (the rules of the most lenient grant). */
function checkedIdentity(raw: string): string {
  const problem = identityProblem(raw, ['chat']);
  if (problem !== undefined) throw new RevokeUsageError(`no token can carry this identity, so there is nothing to revoke: ${problem}`);
  return raw.normalize('NFC');
}

/**
 * @example parseRevokeArgs(['alice', '--for', '2h', '--reason', 'laptop stolen'])
 */
export function parseRevokeArgs(argv: readonly string[]): RevokeArgs {
  const rest = [...argv];
  let envFile: string | undefined;
  let list = false;
  let lift: string | undefined;
  let forText: string | undefined;
  let reason: string | undefined;
  let evict = false;
  const identities: string[] = [];
  const value = (flag: string) => {
    const next = rest.shift();
    if (next === undefined) throw new RevokeUsageError(`${flag} needs a value`);
    return next;
  };
  while (rest.length > 0) {
    const argument = rest.shift()!;
    if (argument === '--list') list = true;
    else if (argument === '--lift') lift = value(argument);
    else if (argument === '--for') forText = value(argument);
    else if (argument === '--reason') reason = value(argument);
    else if (argument === '--env') envFile = value(argument);
    else if (argument === '--evict') evict = true;
    else if (argument === '--help' || argument === '-h') throw new RevokeUsageError('');
    else if (argument === '--') identities.push(...rest.splice(0));
    else if (/^(--password|-p|--username|-u)(=|$)/.test(argument)) {
      throw new RevokeUsageError(
        'credentials on the command line are visible to every user of this machine in `ps`: set TWILIO_API_KEY and TWILIO_API_SECRET in the environment instead',
      );
    }
    // Only the option's name: a value after = may be something that should not be echoed.
    else if (argument.startsWith('-')) throw new RevokeUsageError(`unknown option ${argument.split('=')[0]}`);
    else identities.push(argument);
  }
  const modes = [list, lift !== undefined, identities.length > 0].filter(Boolean).length;
  if (modes !== 1) throw new RevokeUsageError('name one identity to revoke, or --list, or --lift IDENTITY');
  if (identities.length > 1) throw new RevokeUsageError('revoke one identity at a time');
  if ((list || lift !== undefined) && (forText !== undefined || reason !== undefined)) {
    throw new RevokeUsageError('--for and --reason go with an identity to revoke');
  }
  // Evicting without revoking would let the identity sign straight back in: --evict only comes with a revocation.
  if ((list || lift !== undefined) && evict)
    throw new RevokeUsageError('--evict goes with an identity to revoke (npm run revoke -- IDENTITY --evict)');
  const withEnv = envFile !== undefined ? { envFile } : {};
  if (list) return { command: { action: 'list' }, ...withEnv };
  if (lift !== undefined) return { command: { action: 'lift', identity: checkedIdentity(lift) }, ...withEnv };
  if (reason !== undefined) {
    if (reason.length > MAX_REASON_LENGTH || /[\p{Cc}]/u.test(reason)) {
      throw new RevokeUsageError(`--reason must be one line of at most ${MAX_REASON_LENGTH} characters`);
    }
  }
  return {
    command: {
      action: 'revoke',
      identity: checkedIdentity(identities[0]!),
      ...(forText !== undefined && { forSeconds: parseDuration(forText) }),
      ...(reason !== undefined && reason.trim() !== '' && { reason: reason.trim() }),
      ...(evict && { evict: true as const }),
    },
    ...withEnv,
  };
}
