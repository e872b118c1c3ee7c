/**
 * `.twiliodeployinfo`, the file twilio-run keeps beside the project: `{"<AC…>:<region>": {serviceSid, latestBuild}}`.
 * npm run deploy reads and writes it under the account deployed to (whatever the credentials), so a redeploy from the
 * same checkout finds its service; a new service is recorded as soon as it exists, so an interrupted first deploy
 * resumes instead of stopping on its own name.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

/** The service this checkout last deployed to on this account, if recorded. */
export function recordedServiceSid(cwd: string, accountSid: string, region?: string): string | undefined {
  const all = readAll(cwd);
  const entry = all[keyFor(accountSid, region)] ?? all[accountSid];
  return typeof entry?.serviceSid === 'string' && /^ZS[0-9a-f]{32}$/i.test(entry.serviceSid) ? entry.serviceSid : undefined;
}

export function recordService(
  cwd: string,
  accountSid: string,
  region: string | undefined,
  serviceSid: string,
  latestBuild: string | undefined,
): void {
  const all = readAll(cwd);
  all[keyFor(accountSid, region)] = { serviceSid, ...(latestBuild && { latestBuild }) };
  writeFileSync(join(cwd, FILE), `${JSON.stringify(all, null, '\t')}\n`);
}
