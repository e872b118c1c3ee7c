/** Where npm run rotate-key hands the new key over: the env file rewritten in place, or the operator's file or descriptor. */
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envFileDestination, secretFdDestination, secretFileDestination } from '../../../src/cli/rotate-key-secret-out';

let dir: string;
const key = { sid: `SK${'a1'.repeat(16)}`, secret: 'n3wS3cretValue_with-safe.chars' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rotate-key-out-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the env file', () => {
  it('gets both lines replaced, every other line kept byte for byte, mode 0600, and no temporary file left', () => {
    const path = join(dir, '.env');
    const before = [
      '# keys',
      'TWILIO_API_KEY_SID=SKold',
      'TOKEN_TTL=600',
      ' TWILIO_API_KEY_SECRET = old',
      'ALLOWED_ORIGINS="https://a.example"',
      '',
    ];
    writeFileSync(path, before.join('\n'), { mode: 0o644 });
    envFileDestination(path, '.env').write(key);
    expect(readFileSync(path, 'utf8').split('\n')).toEqual([
      '# keys',
      `TWILIO_API_KEY_SID=${key.sid}`,
      'TOKEN_TTL=600',
      `TWILIO_API_KEY_SECRET=${key.secret}`,
      'ALLOWED_ORIGINS="https://a.example"',
      '',
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['.env']);
  });
});

describe('--secret-out FILE', () => {
  it('creates a new file with mode 600 holding the secret alone', () => {
    const path = join(dir, 'secret.txt');
    secretFileDestination(path).write(key);
    expect(readFileSync(path, 'utf8')).toBe(`${key.secret}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses, before anything changes, a file others may read, one with content, a symlink and a missing folder', () => {
    const open = join(dir, 'open.txt');
    writeFileSync(open, '');
    chmodSync(open, 0o640);
    expect(() => secretFileDestination(open)).toThrow(/may be read by others \(mode 640\)[\s\S]*fix: chmod 600/);
    const full = join(dir, 'full.txt');
    writeFileSync(full, 'keep me', { mode: 0o600 });
    expect(() => secretFileDestination(full)).toThrow(/is not empty/);
    const link = join(dir, 'link.txt');
    symlinkSync(full, link);
    expect(() => secretFileDestination(link)).toThrow(/is not a regular file/);
    expect(() => secretFileDestination(join(dir, 'no-such-folder', 'x'))).toThrow(/does not exist/);
    expect(readFileSync(full, 'utf8')).toBe('keep me');
  });

  it('accepts an existing empty owner-only file', () => {
    const path = join(dir, 'empty.txt');
    writeFileSync(path, '', { mode: 0o600 });
    secretFileDestination(path).write(key);
    expect(readFileSync(path, 'utf8')).toBe(`${key.secret}\n`);
  });
});

describe('--secret-fd N', () => {
  it('writes to an open owner-only descriptor, and refuses one that is not open or whose file others may read', () => {
    const path = join(dir, 'fd.txt');
    const fd = openSync(path, 'w', 0o600);
    try {
      secretFdDestination(fd).write(key);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, 'utf8')).toBe(`${key.secret}\n`);
    expect(() => secretFdDestination(987)).toThrow(/is not an open file descriptor/);
    const shared = join(dir, 'shared.txt');
    const sharedFd = openSync(shared, 'w', 0o644);
    chmodSync(shared, 0o644);
    try {
      expect(() => secretFdDestination(sharedFd)).toThrow(/a file others may read \(mode 644\)/);
    } finally {
      closeSync(sharedFd);
    }
  });
});
