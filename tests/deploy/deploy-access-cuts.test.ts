/**
 * No wider state, ever (issue 21, item 6): a deploy that both narrows and widens access — one shared secret revoked,
 * TOKEN_MAX_TTL shortened, the signing key rotated, a Basic user added, TOKEN_POLICY removed with --remove, demo.css
 * changed — is cut at each of its requests in turn (the stand-in drops the nth request before applying it, or applies
 * it and drops the answer). After each cut, the live service is asked, with the service's own core, what a table of
 * callers would get: no caller may get more than both the old and the new configuration give it. Then the deploy is
 * run again: it converges, and one more plan is empty. The deploys run the deploy's own steps (read the live service,
 * plan, apply through the journal) in this process against the in-memory Serverless API, which keeps the stand-in's
 * rules and its way of cutting a request; the end-to-end deploys through the TLS stand-in are deploy.test.ts's.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { applySteps } from '../../src/cli/deploy/apply';
import { DeployJournal } from '../../src/cli/deploy/journal';
import { findService, readLiveState } from '../../src/cli/deploy/live';
import { readLocalDeployment } from '../../src/cli/deploy/local';
import { countChanges, planDeployment, renderPlan } from '../../src/cli/deploy/plan';
import { createBasicAuthenticator } from '../../src/lib/auth/basic-authentication';
import { VerifiedCredentialsCache } from '../../src/lib/auth/verified-credentials-cache';
import { handleTokenRequest } from '../../src/lib/endpoints/token-endpoint';
import { FailureThrottle } from '../../src/lib/throttle/failure-throttle';
import { ScryptGuard } from '../../src/lib/throttle/scrypt-guard';
import { basicHeader, environmentFor, newCredentials, newSid, type TestCredentials } from '../helpers/fixtures';
import { InMemoryServerlessApi, type InMemoryFaultAction as FaultAction } from '../helpers/in-memory-serverless';

const SERVICE = 'cut-access-tokens';
const POLICY = JSON.stringify({ default: 'deny', rules: [{ match: { any: true }, grants: ['video'], rooms: ['lobby'], maxTtl: 900 }] });
const SUITE_TIMEOUT_MS = 600_000;

/** What one deploy did: applied, refused (the plan refused removals), failed (a request failed: a cut), or planned only. */
interface DeployAnswer {
  readonly outcome: 'applied' | 'refused' | 'failed' | 'planned';
  readonly changes: number;
  readonly plan: readonly string[];
  /** The journal's report after a failure: applied, unknown, not applied. */
  readonly report: readonly string[];
  readonly error?: string;
}

let twilio: InMemoryServerlessApi;
const accountSid = newSid('AC');
/** The build output, copied once; each deploy writes its own demo.css there, so each has a file to upload. */
let project: string;

let oldKey: TestCredentials;
let newKey: TestCredentials;
let oldVariables: Record<string, string>;
let newVariables: Record<string, string>;
let revokedSecret: string;

beforeAll(async () => {
  twilio = new InMemoryServerlessApi();
  project = mkdtempSync(join(tmpdir(), 'access-cuts-'));
  const root = join(__dirname, '..', '..');
  cpSync(join(root, 'dist'), join(project, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(project, 'package.json'));
  oldKey = newCredentials(['ann', 'ben']);
  newKey = newCredentials([]);
  revokedSecret = newCredentials([]).sharedSecret;
  const env = await environmentFor(oldKey, { TWILIO_ACCOUNT_SID: accountSid });
  const [ann, ben] = env['AUTH_BASIC_USERS']!.split(' ');
  oldVariables = {
    ...env,
    AUTH_SHARED_SECRETS: `${oldKey.sharedSecret},${revokedSecret}`,
    AUTH_BASIC_USERS: ann!,
    TOKEN_TTL: '600',
    TOKEN_MAX_TTL: '3600',
    TOKEN_POLICY: POLICY,
  };
  const { TOKEN_POLICY: _removed, ...kept } = oldVariables;
  newVariables = {
    ...kept,
    AUTH_SHARED_SECRETS: oldKey.sharedSecret,
    AUTH_BASIC_USERS: `${ann} ${ben}`,
    TOKEN_MAX_TTL: '1800',
    TWILIO_API_KEY_SID: newKey.apiKeySid,
    TWILIO_API_KEY_SECRET: newKey.apiKeySecret,
  };
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** npm run deploy's own steps: read the live service, plan, refuse or apply through the journal. */
async function run(
  variables: Record<string, string>,
  css: string,
  options: { removeVariables?: string[]; planOnly?: boolean } = {},
): Promise<DeployAnswer> {
  writeFileSync(join(project, 'dist/assets/demo.css'), css);
  const { desired, uploads } = await readLocalDeployment({
    cwd: project,
    env: variables,
    functionsFolderName: 'dist/functions',
    assetsFolderName: 'dist/assets',
    runtime: 'node22',
    serviceName: SERVICE,
    environment: 'dev',
  });
  try {
    const found = await findService(twilio, { serviceName: SERVICE, environment: 'dev' }, true);
    const live = await readLiveState(twilio, { serviceSid: found.sid, environment: 'dev' });
    const plan = planDeployment(live, desired, { allowRemoval: new Set(), removeVariables: new Set(options.removeVariables ?? []) });
    const answer = { report: [], changes: countChanges(plan), plan: renderPlan(plan, desired) };
    if (plan.refusedRemovals.length > 0 || plan.refusedVariableRemovals.length > 0) return { ...answer, outcome: 'refused' };
    if (options.planOnly) return { ...answer, outcome: 'planned' };
    const journal = new DeployJournal(applySteps({ api: twilio, plan, live, desired, uploads, onService: () => undefined }).steps);
    try {
      await journal.runAll();
      return { ...answer, outcome: 'applied' };
    } catch (error) {
      return { ...answer, outcome: 'failed', report: journal.report(), error: (error as Error).message };
    }
  } catch (error) {
    return { outcome: 'failed', changes: -1, plan: [], report: [], error: (error as Error).message };
  }
}

const deployOld = () => run(oldVariables, '/* old */\n');
const deployNew = () => run(newVariables, '/* new */\n', { removeVariables: ['TOKEN_POLICY'] });

/** What the live service's variables are now. */
function liveVariables(): Record<string, string> {
  const service = twilio.state.service(SERVICE)!;
  const environment = twilio.state.environments(service.sid)[0]!;
  return Object.fromEntries(twilio.state.variables(environment.sid).map(({ key, value }) => [key, value]));
}

/** A caller of the table: who they are and what they ask for. */
interface Caller {
  readonly name: string;
  readonly authorization: () => string;
  readonly fields: Record<string, unknown>;
}

const CALLERS: readonly Caller[] = [
  {
    name: 'kept secret, lobby',
    authorization: () => `Bearer ${oldKey.sharedSecret}`,
    fields: { identity: 'kiosk', room: 'lobby', ttl: 3600 },
  },
  {
    name: 'kept secret, backroom',
    authorization: () => `Bearer ${oldKey.sharedSecret}`,
    fields: { identity: 'kiosk', room: 'backroom', ttl: 3600 },
  },
  {
    name: 'revoked secret, lobby',
    authorization: () => `Bearer ${revokedSecret}`,
    fields: { identity: 'kiosk', room: 'lobby', ttl: 3600 },
  },
  { name: 'ann, backroom', authorization: () => basicHeader('ann', oldKey.passwords['ann']!), fields: { room: 'backroom', ttl: 3600 } },
  { name: 'ben (added), lobby', authorization: () => basicHeader('ben', oldKey.passwords['ben']!), fields: { room: 'lobby', ttl: 3600 } },
];

/** What a caller gets: nothing, or a token with these grants (room included) for this many seconds. */
type Outcome = { readonly issued: false } | { readonly issued: true; readonly grants: string; readonly ttl: number };

/**
 * The authenticator's clock: a pause (a refusal answered at its deadline) moves it on instead of waiting, so the table
 * costs no real waits, yet each caller arrives after the previous one's answer, as a real client would. A pause that
 * moved no clock left the check queue booked ahead, and shed the next caller with 429.
 */
let skippedMs = 0;
const basic = createBasicAuthenticator({
  throttle: new FailureThrottle(),
  cache: new VerifiedCredentialsCache(),
  now: () => Date.now() + skippedMs,
  pause: async (ms) => void (skippedMs += ms),
  guard: new ScryptGuard(),
});

/** Asks the service's own core, with these variables (and the ACCOUNT_SID Twilio adds), what each caller gets. */
async function accessUnder(variables: Record<string, string>): Promise<Record<string, Outcome>> {
  const env = { ...variables, ACCOUNT_SID: accountSid };
  const outcomes: Record<string, Outcome> = {};
  for (const caller of CALLERS) {
    const result = await handleTokenRequest(
      { headers: { authorization: caller.authorization(), 'content-type': 'application/json' }, fields: caller.fields },
      env,
      { now: () => Date.now(), log: () => undefined, basic },
    );
    if (result.status !== 200) {
      if (process.env['ACCESS_CUTS_DEBUG']) console.log(caller.name, result.status, JSON.stringify(result.body));
      outcomes[caller.name] = { issued: false };
      continue;
    }
    const claims = decodeJwt((result.body as { token: string }).token);
    outcomes[caller.name] = {
      issued: true,
      grants: JSON.stringify((claims as { grants?: unknown }).grants),
      ttl: (claims.exp ?? 0) - (claims.iat ?? 0),
    };
  }
  return outcomes;
}

/** `during` gives no caller more than `old` or `next` gives it: the same grants, no longer. */
function widerThanBoth(during: Record<string, Outcome>, old: Record<string, Outcome>, next: Record<string, Outcome>): string[] {
  const noMore = (a: Outcome, b: Outcome) => !a.issued || (b.issued && a.grants === b.grants && a.ttl <= b.ttl);
  return CALLERS.map((caller) => caller.name).filter((name) => !noMore(during[name]!, old[name]!) && !noMore(during[name]!, next[name]!));
}

/** The key pair live now is the old one, the new one, or has no SID (refuses to sign): never a mixed pair. */
function keyPairState(variables: Record<string, string>): string {
  const sid = variables['TWILIO_API_KEY_SID'];
  const secret = variables['TWILIO_API_KEY_SECRET'];
  if (sid === undefined) return 'no SID (fails closed)';
  if (sid === oldKey.apiKeySid && secret === oldKey.apiKeySecret) return 'old pair';
  if (sid === newKey.apiKeySid && secret === newKey.apiKeySecret) return 'new pair';
  return 'MIXED';
}

describe('a deploy that narrows and widens, cut at each of its requests, is never wider than both configurations', () => {
  it(
    'holds at every cut point, each followed by a run that converges to an empty plan',
    async () => {
      // The two configurations, and the deploy's request count uncut.
      expect((await deployOld()).outcome).toBe('applied');
      const oldAccess = await accessUnder(liveVariables());
      const before = twilio.requests().length;
      const uncut = await deployNew();
      expect(uncut.outcome).toBe('applied');
      const uncutRequests = twilio.requests().slice(before);
      const requestCount = uncutRequests.length;
      const newAccess = await accessUnder(liveVariables());
      // The two differ both ways, or the test would prove nothing.
      expect(oldAccess['revoked secret, lobby']!.issued).toBe(true);
      expect(newAccess['revoked secret, lobby']!.issued).toBe(false);
      expect(oldAccess['ben (added), lobby']!.issued).toBe(false);
      expect(newAccess['ben (added), lobby']!.issued).toBe(true);
      expect(uncut.plan).toEqual(
        expect.arrayContaining([
          '  ~ variable AUTH_SHARED_SECRETS changed — narrows access: 1 secret revoked',
          '  ~ variable AUTH_BASIC_USERS changed — widens access: 1 user added',
          "  - variable TOKEN_POLICY deleted (no longer set) — widens access: the policy's limits stop applying",
        ]),
      );

      const table: string[] = [];
      const failures: string[] = [];
      for (let nth = 1; nth <= requestCount; nth++) {
        // Every request is dropped before it is applied; a write is also applied and its answer dropped (the deploy
        // cannot tell whether it happened). A read dropped after is the same live state as one dropped before.
        const actions: FaultAction[] = uncutRequests[nth - 1]!.method === 'GET' ? ['drop-before'] : ['drop-before', 'drop-after'];
        for (const action of actions) {
          expect((await deployOld()).outcome).toBe('applied');
          const start = twilio.requests().length;
          let reached = false;
          void twilio.addFault({ method: '*', path: /./, nth, action }).reached.then(() => (reached = true));
          const cut = await deployNew();
          const request = twilio
            .requests()
            .slice(start)
            .find((recorded) => recorded.fault === action);
          const where = `${action} #${nth} ${request ? `${request.method} ${request.path.replace(/[A-Z]{2}[0-9a-f]{32}/g, (sid) => sid.slice(0, 2))}` : '(not reached)'}`;
          const live = liveVariables();
          const during = await accessUnder(live);
          const wider = widerThanBoth(during, oldAccess, newAccess);
          const pair = keyPairState(live);
          const again = await deployNew();
          const plan = await run(newVariables, '/* new */\n', { planOnly: true });
          table.push(
            `${where.padEnd(70)} ${cut.outcome.padEnd(7)} key: ${pair.padEnd(22)} rerun: ${again.outcome}, then ${plan.changes} change(s)`,
          );
          if (!reached || cut.outcome !== 'failed')
            failures.push(`${where}: the cut was not reached or the deploy did not fail (${cut.outcome})`);
          if (wider.length > 0) failures.push(`${where}: wider than both for ${wider.join(', ')}`);
          if (pair === 'MIXED') failures.push(`${where}: a mixed key pair is live`);
          if (again.outcome !== 'applied' || plan.changes !== 0)
            failures.push(`${where}: the rerun did not converge (${again.outcome}, ${plan.changes})`);
        }
      }
      console.log(`deploy cut at each request (${requestCount} requests, old -> new):\n${table.join('\n')}`);
      expect(failures).toEqual([]);
      // Every request was a cut point, and the writes twice.
      expect(table).toHaveLength(requestCount + uncutRequests.filter((request) => request.method !== 'GET').length);
    },
    SUITE_TIMEOUT_MS,
  );
});
