/**
 * `.twiliodeployinfo`, the file twilio-run keeps beside the project: `{"<AC…>:<region>": {serviceSid, latestBuild}}`.
 * npm run deploy reads and writes it under the account deployed to (whatever the credentials), so a redeploy from the
 * same checkout finds its service; a new service is recorded as soon as it exists, so an interrupted first deploy
 * resumes instead of stopping on its own name.
 */
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = '.twiliodeployinfo';

function keyFor(accountSid: string, region: string | undefined): string {
  return `${accountSid}:${region || 'us1'}`;
}

function readAll(cwd: string): Record<string, { serviceSid?: unknown; latestBuild?: unknown }> {
  const path = join(cwd, FILE);
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, { serviceSid?: unknown }>) : {};
  } catch {
    return {};
  }
}

/** Where a checkout's record of a service is kept: the project folder, and the account and region deployed to. */
interface DeployRecordKey {
  readonly cwd: string;
  readonly accountSid: string;
  /** Twilio's region; us1 when unset, as twilio-run keys it. */
  readonly region?: string | undefined;
}

/** The service this checkout last deployed to on this account, if recorded. */
export function recordedServiceSid(key: DeployRecordKey): string | undefined {
  const all = readAll(key.cwd);
  const entry = all[keyFor(key.accountSid, key.region)] ?? all[key.accountSid];
  return typeof entry?.serviceSid === 'string' && /^ZS[0-9a-f]{32}$/i.test(entry.serviceSid) ? entry.serviceSid : undefined;
}

interface ServiceRecord extends DeployRecordKey {
  readonly serviceSid: string;
  /** The Build live now, when there is one. */
  readonly latestBuild?: string | undefined;
}

/** Records the service (and its live Build) as this checkout's, for the next deploy to find. */
export function recordService(record: ServiceRecord): void {
  const all = readAll(record.cwd);
  const { serviceSid, latestBuild } = record;
  all[keyFor(record.accountSid, record.region)] = { serviceSid, ...(latestBuild && { latestBuild }) };
  writeFileSync(join(record.cwd, FILE), `${JSON.stringify(all, null, '\t')}\n`);
}

/** twilio-run's shape for every entry; one entry off it makes twilio-run ignore the whole file. */
const isTwilioRunEntry = (entry: unknown): boolean =>
  typeof entry === 'object' &&
  entry !== null &&
  Object.keys(entry).length === 2 &&
  [
    ['serviceSid', 'ZS'],
    ['latestBuild', 'ZB'],
  ].every(([key, prefix]) => {
    const value = (entry as Record<string, unknown>)[key!];
    return typeof value === 'string' && value.startsWith(prefix!) && value.length === 34;
  });

/**
 * The service SID twilio-run 5 takes from the file (its getDeployInfoCache and getFunctionServiceSid): only a file this
 * user may read and write, only when every entry is `{serviceSid: ZS…, latestBuild: ZB…}`, under `AC…:region`, else
 * under the account alone. Stricter than recordedServiceSid, which also finds a service recorded before its first build.
 */
export function serviceSidTwilioRunRecorded(key: DeployRecordKey): string | undefined {
  const path = join(key.cwd, FILE);
  try {
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch {
    return undefined;
  }
  let all: unknown;
  try {
    all = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
  if (typeof all !== 'object' || all === null || !Object.values(all).every(isTwilioRunEntry)) return undefined;
  const entries = all as Record<string, { serviceSid?: string }>;
  return entries[keyFor(key.accountSid, key.region)]?.serviceSid || entries[key.accountSid]?.serviceSid || undefined;
}
