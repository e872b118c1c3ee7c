/**
 * npm run revoke -- IDENTITY [--for DURATION] [--reason TEXT] | --list | --lift IDENTITY: the operator's kill switch.
 * Writes the revocation to the Sync Service the deployed service reads (THROTTLE_SYNC_SERVICE_SID in the env file),
 * with the account's credentials from the environment (never argv, never a file), through the operator's TWILIO_EDGE
 * (src/cli/twilio/hosts.ts; a project in a region without Sync is refused); every instance refuses the identity
 * (403 identity_revoked) within 5 s, whatever the sign-in method; with --evict, then ends its live sessions (src/cli/evict.ts).
 * See README "Cut someone off now".
 */
import { resolveDeployCredentials } from './deploy/credentials';
import { DeployStop } from './deploy/output';
import { evictIdentity, type EvictionScope, type ProductOutcome } from './evict';
import { readProjectConfiguration } from './project/config';
import { parseRevokeArgs, REVOKE_USAGE, RevokeUsageError, type RevokeCommand } from './revoke-args';
import { describeSyncError, itemTtlFor, twilioRevocationStore, type RevocationStore } from './revocation-store';
import { endOf, REPLICA_COUNT, type StoredRevocation } from '../lib/revocation/revocations';
import { STALENESS_LIMIT_MS } from '../lib/revocation/revocation-cache';
import { parseConfig } from '../lib/config/service-config';
import { clientLocation, HostLocationError, type ClientLocation } from './twilio/hosts';
import { regionalProductProblems } from './project/regional-products';

const out = (line: string) => process.stdout.write(`${line}\n`);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const STALENESS_SECONDS = Math.ceil(STALENESS_LIMIT_MS / 1000);

/** One line per entry: who, since when, until when, why; never a credential. */
function describeEntry(entry: StoredRevocation, now: number): string {
  const ended = endOf(entry, now);
  const reason = entry.r !== undefined ? `  reason: ${entry.r}` : '';
  if (ended === undefined) {
    return `${entry.i}  revoked ${iso(entry.t)}  ${entry.u !== undefined ? `until ${iso(entry.u)}` : 'until lifted'}${reason}`;
  }
  return `${entry.i}  ended ${iso(ended)} (revoked ${iso(entry.t)}); identity-provider tokens issued before ${iso(ended)} stay refused${reason}`;
}

/** The longest lifetime a token of this service can have: until then, tokens issued before the revocation still work. */
function longestTtlSeconds(parsed: ReturnType<typeof parseConfig>): number {
  // Unparseable here (the deploy would refuse it): Twilio's own limit is the honest bound.
  return parsed.ok ? parsed.config.maxTtl : TWILIO_MAX_TTL_SECONDS;
}

/** The products --evict may reach, as the deployed configuration enables them; undefined when it does not parse. */
function evictionScope(parsed: ReturnType<typeof parseConfig>): EvictionScope | undefined {
  if (!parsed.ok) return undefined;
  const { grants } = parsed.config;
  return {
    grants: grants.enabled,
    ...(grants.conversationsServiceSid !== undefined && { conversationsServiceSid: grants.conversationsServiceSid }),
    ...(grants.taskrouterWorkspaceSid !== undefined && { taskrouterWorkspaceSid: grants.taskrouterWorkspaceSid }),
  };
}
const TWILIO_MAX_TTL_SECONDS = 86_400;

interface ProjectFacts {
  readonly serviceLabel: string;
  readonly maxTtlSeconds: number;
  /** OIDC_IDENTITY_PREFIX when identity-provider users sign in beside others: their identities start with it. */
  readonly oidcIdentityPrefix?: string;
  /** --evict's work for an identity, with the operator's credentials; undefined when the configuration does not parse. */
  readonly evict?: (identity: string) => Promise<ProductOutcome[]>;
}

const MARK: Record<ProductOutcome['status'], string> = { done: '✓', skipped: '-', failed: '✗' };

/** --evict after a revocation every replica took: each product's outcome, then what no REST call can end. */
async function reportEviction(identity: string, evict: ProjectFacts['evict'], usableUntil: string): Promise<number> {
  if (!evict) {
    out(
      "✗ evict: not done: the project's configuration has problems (npm run doctor lists them), so which grants are on is unknown; " +
        'fix it and run the same command again',
    );
    return 1;
  }
  const outcomes = await evict(identity);
  out(`evict: ${identity}'s live sessions:`);
  for (const outcome of outcomes) out(`  ${MARK[outcome.status]} ${outcome.product}: ${outcome.line}`);
  out(
    '  cannot be evicted through the REST API: Voice push registrations (they outlive tokens; they end when the app unregisters or after a year unused) ' +
      `and Sync sessions (a connected Sync client keeps its connection until its token expires): tokens already issued stay usable until ${usableUntil} ` +
      'at the latest; npm run rotate-key ends them all now',
  );
  const failed = outcomes.filter((outcome) => outcome.status === 'failed');
  if (failed.length > 0) {
    out(`✗ evict: ${failed.map((outcome) => outcome.product).join(', ')} failed (the revocation stands); run the same command again`);
    return 1;
  }
  return 0;
}

async function run(
  command: RevokeCommand,
  store: RevocationStore,
  { serviceLabel, maxTtlSeconds, oidcIdentityPrefix, evict }: ProjectFacts,
): Promise<number> {
  const now = Date.now();
  if (command.action === 'list') {
    const entries = await store.list();
    const inForce = entries.filter((entry) => endOf(entry, now) === undefined);
    const ended = entries.filter((entry) => endOf(entry, now) !== undefined);
    out(`revoke: ${inForce.length} revocation(s) in force on ${serviceLabel}`);
    for (const entry of inForce) out(`  ${describeEntry(entry, now)}`);
    if (ended.length > 0) {
      out(`${ended.length} ended, remembered for identity-provider tokens issued before their end:`);
      for (const entry of ended) out(`  ${describeEntry(entry, now)}`);
    }
    return 0;
  }
  const current = (await store.list()).find((entry) => entry.i === command.identity);
  if (command.action === 'lift') {
    if (!current || endOf(current, now) !== undefined) {
      out(`revoke: ${command.identity} is not revoked; nothing to lift`);
      return 0;
    }
    const lifted: StoredRevocation = { ...current, l: now };
    const written = await store.write(lifted, itemTtlFor(lifted, now));
    out(
      `revoke: lifted ${command.identity} (${written} of ${REPLICA_COUNT} replica Maps); within ${STALENESS_SECONDS} s every instance issues its tokens again, ` +
        `except for identity-provider tokens issued before ${iso(now)} (the user signs in again)`,
    );
    return written === REPLICA_COUNT ? 0 : 1;
  }
  const entry: StoredRevocation = {
    i: command.identity,
    t: now,
    ...(command.forSeconds !== undefined && { u: now + command.forSeconds * 1000 }),
    ...(command.reason !== undefined && { r: command.reason }),
  };
  const written = await store.write(entry, itemTtlFor(entry, now));
  out(
    `revoke: revoked ${command.identity} ${entry.u !== undefined ? `until ${iso(entry.u)}` : 'until lifted'} (${written} of ${REPLICA_COUNT} replica Maps on ${serviceLabel}); ` +
      `every instance refuses it (403 identity_revoked) within ${STALENESS_SECONDS} s`,
  );
  const usableUntil = iso(now + maxTtlSeconds * 1000);
  out(
    `  tokens issued before now can still be used until ${usableUntil} at the latest (the longest lifetime in force, ${maxTtlSeconds} s); ` +
      'Twilio cannot revoke one token: npm run rotate-key ends them all',
  );
  // The same person signed in through the identity provider is another identity (issue 22): say so, by name.
  if (oidcIdentityPrefix && !command.identity.startsWith(oidcIdentityPrefix)) {
    out(
      `  identity-provider users are ${oidcIdentityPrefix}NAME here: if ${command.identity} also signs in that way, ` +
        `npm run revoke -- ${oidcIdentityPrefix}${command.identity}`,
    );
  }
  if (!command.evict) {
    out(
      `  sessions already open stay open (Video rooms, Conversations, TaskRouter): npm run revoke -- ${command.identity} --evict ends them ` +
        '(README "Cut someone off now")',
    );
  }
  if (written < REPLICA_COUNT) {
    out(
      `✗ ${REPLICA_COUNT - written} replica Map(s) did not take it: instances reading them may still issue tokens; run the same command again`,
    );
    // Evicting while some instances still mint tokens would only send the identity back in: the revocation comes first.
    if (command.evict) out('✗ evict: not done until every replica holds the revocation');
    return 1;
  }
  return command.evict ? reportEviction(command.identity, evict, usableUntil) : 0;
}

async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseRevokeArgs(argv);
  } catch (error) {
    if (!(error instanceof RevokeUsageError)) throw error;
    process.stderr.write(`${error.message ? `revoke: ${error.message}\n` : ''}${REVOKE_USAGE}\n`);
    return 2;
  }
  try {
    const project = readProjectConfiguration(args.envFile !== undefined ? { envFile: args.envFile } : {});
    const serviceSid = project.values['THROTTLE_SYNC_SERVICE_SID']?.trim();
    if (!serviceSid) {
      process.stderr.write(
        `revoke: refused; nothing was changed: revocations live on Twilio Sync, and ${project.envFile} sets no THROTTLE_SYNC_SERVICE_SID\n` +
          `  fix: set THROTTLE_SYNC_SERVICE_SID=default (the account's default Sync Service) or a Sync Service SID (IS…) in ${project.envFile}, ` +
          'npm run deploy, then npm run revoke again (README "Cut someone off now")\n',
      );
      return 1;
    }
    if (serviceSid !== 'default' && !/^IS[0-9a-f]{32}$/.test(serviceSid)) {
      process.stderr.write(
        'revoke: refused; nothing was changed: THROTTLE_SYNC_SERVICE_SID is not a Sync Service SID (IS + 32 hex) or default\n',
      );
      return 1;
    }
    const dotEnv = { username: project.values['ACCOUNT_SID'] ?? '', password: project.values['AUTH_TOKEN'] ?? '' };
    const credentials = resolveDeployCredentials(argv, dotEnv, process.env);
    const accountSid = credentials.username.startsWith('AC')
      ? credentials.username
      : (process.env['TWILIO_ACCOUNT_SID'] ?? project.values['TWILIO_ACCOUNT_SID'] ?? project.values['ACCOUNT_SID'] ?? '');
    if (!/^AC[0-9a-f]{32}$/.test(accountSid))
      throw new DeployStop(`no account SID for the API key: set TWILIO_ACCOUNT_SID in ${project.envFile}`);
    // The project's region (its TWILIO_REGION) through the operator's TWILIO_EDGE, as deploy, doctor and rotate-key ask.
    let location: ClientLocation;
    try {
      location = clientLocation({ region: project.values['TWILIO_REGION'], edge: process.env['TWILIO_EDGE'] });
    } catch (error) {
      if (!(error instanceof HostLocationError)) throw error;
      process.stderr.write(`revoke: refused; nothing was changed: ${error.message}\n  fix: ${error.fix}\n`);
      return 1;
    }
    // Revocations live on Sync, which only US1 offers (deploy refuses THROTTLE_SYNC_SERVICE_SID elsewhere for the same
    // reason): asking a region's Sync host would fail on every call, and US1's does not know the region's API key.
    const noSync = regionalProductProblems(project.values).find((problem) => problem.variable === 'THROTTLE_SYNC_SERVICE_SID');
    if (noSync) {
      process.stderr.write(`revoke: refused; nothing was changed: ${noSync.message}\n  fix: ${noSync.fix}\n`);
      return 1;
    }
    const store = twilioRevocationStore({
      username: credentials.username,
      password: credentials.password,
      accountSid,
      serviceSid,
      location,
    });
    const oidcIdentityPrefix = project.values['OIDC_ISSUER']?.trim() ? project.values['OIDC_IDENTITY_PREFIX']?.trim() : undefined;
    const parsed = parseConfig(project.values, project.sources);
    const scope = evictionScope(parsed);
    return await run(args.command, store, {
      serviceLabel: `Sync Service ${serviceSid}`,
      maxTtlSeconds: longestTtlSeconds(parsed),
      ...(oidcIdentityPrefix && { oidcIdentityPrefix }),
      ...(scope && {
        evict: (identity: string) =>
          evictIdentity({ username: credentials.username, password: credentials.password, accountSid }, location, identity, scope),
      }),
    });
  } catch (error) {
    if (error instanceof DeployStop) {
      process.stderr.write(`revoke: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`revoke: failed: ${describeSyncError(error)}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
