/**
 * npm run revoke's refusals before it asks Twilio anything: identities no token can carry, usage mistakes,
 * credentials on the command line, and a project without Sync. Each exits non-zero, says why, and sends nothing (no
 * HTTP_PROXY or stand-in is given: a request would fail differently, and the messages are checked exactly).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration, parseRevokeArgs } from '../../../src/cli/revoke-args';
import { itemTtlFor } from '../../../src/cli/revocation-store';
import { dotenvText, newSid } from '../../helpers/fixtures';
import { runCli } from '../../helpers/run-cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'revoke-cli-'));
  writeFileSync(
    join(dir, '.env'),
    dotenvText({
      TWILIO_ACCOUNT_SID: newSid('AC'),
      TWILIO_API_KEY_SID: newSid('SK'),
      TWILIO_API_KEY_SECRET: 'x'.repeat(32),
      AUTH_SHARED_SECRETS: 'y'.repeat(43),
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { ...process.env, TWILIO_API_KEY: newSid('SK'), TWILIO_API_SECRET: 'operator-secret-value' };
const revoke = (...args: string[]) => runCli('revoke', [...args, '--env', join(dir, '.env')], { cwd: dir, env });

describe('an identity no token can carry is refused with the identity rules, and nothing is sent', () => {
  it.each([
    ['empty', '', /identity must not be empty/],
    ['too long', 'a'.repeat(257), /identity is too long for the chat grant \(at most 256 bytes/],
    ['a control character', 'ali\u0007ce', /identity must not contain control or invisible formatting characters/],
    ['white space around it', ' alice', /identity must not start or end with white space/],
  ])('%s', (_label, identity, message) => {
    for (const args of [[identity], ['--lift', identity]]) {
      const run = revoke(...args);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/no token can carry this identity, so there is nothing to revoke/);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    }
  });
});

describe('usage mistakes exit 2', () => {
  it.each([
    [['alice', 'bob'], /revoke one identity at a time/],
    [['--list', 'alice'], /name one identity to revoke, or --list, or --lift IDENTITY/],
    [[], /name one identity/],
    [['alice', '--for', '3 weeks'], /--for takes a duration such as 30m, 12h or 7d/],
    [['alice', '--for', '0s'], /--for must be between 1s and 350d/],
    [['--list', '--reason', 'x'], /--for and --reason go with an identity to revoke/],
    [['alice', '--reason', 'two\nlines'], /--reason must be one line/],
    [['alice', '--evict-everything'], /unknown option --evict-everything/],
    [['--list', '--evict'], /--evict goes with an identity to revoke/],
    [['--lift', 'alice', '--evict'], /--evict goes with an identity to revoke/],
  ])('%j', (args, message) => {
    const run = revoke(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('parses durations and keeps the NFC form of the identity', () => {
    expect([parseDuration('90s'), parseDuration('30m'), parseDuration('12h'), parseDuration('7d')]).toEqual([90, 1800, 43_200, 604_800]);
    expect(parseRevokeArgs(['Cafe\u0301', '--reason', ' stolen ']).command).toEqual({
      action: 'revoke',
      identity: 'Café',
      reason: 'stolen',
    });
    expect(parseRevokeArgs(['alice', '--evict', '--for', '1h']).command).toEqual({
      action: 'revoke',
      identity: 'alice',
      forSeconds: 3600,
      evict: true,
    });
  });
});

describe('what it refuses to do', () => {
  it('without THROTTLE_SYNC_SERVICE_SID: explains how to enable it, changes nothing, exits 1', () => {
    const run = revoke('alice');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /refused; nothing was changed: revocations live on Twilio Sync, and .*\.env sets no THROTTLE_SYNC_SERVICE_SID/,
    );
    expect(run.stderr).toMatch(/fix: set THROTTLE_SYNC_SERVICE_SID=default .* npm run deploy, then npm run revoke again/);
  });

  it('credentials on the command line are refused before anything else, and never echoed', () => {
    writeFileSync(join(dir, 'sync.env'), dotenvText({ TWILIO_ACCOUNT_SID: newSid('AC'), THROTTLE_SYNC_SERVICE_SID: 'default' }));
    const run = runCli('revoke', ['alice', '--env', join(dir, 'sync.env'), '--password=hunter2-secret'], { cwd: dir, env });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/credentials on the command line are visible to every user of this machine/);
    expect(`${run.stdout}${run.stderr}`).not.toContain('hunter2-secret');
    expect(revoke('alice', '--token=hunter2-secret').stderr).toMatch(/unknown option --token\n/);
  });
});

describe('how long Sync keeps an entry', () => {
  const now = 1_000_000;
  it('in force until lifted: no expiry; with --for: its end plus a week; lifted: a week', () => {
    expect(itemTtlFor({ i: 'a', t: now }, now)).toBe(0);
    expect(itemTtlFor({ i: 'a', t: now, u: now + 3_600_000 }, now)).toBe(3600 + 7 * 86_400);
    expect(itemTtlFor({ i: 'a', t: now, l: now }, now)).toBe(7 * 86_400);
  });
});
