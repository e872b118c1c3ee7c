/**
 * A throwaway copy of this project, as a fresh clone would have it (what git tracks, no .env, no dist/, no
 * .twiliodeployinfo), sharing this checkout's node_modules, so a test can run `npm run deploy` in it.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGroupAfter } from './process-group';
import { findProjectRoot } from './twilio-run-server';
import { dotenvText } from './fixtures';

const projectRoot = findProjectRoot(__dirname);
/** What a deploy needs from a clone: the sources, the build, the configuration files. */
const COPIED = [
  'src',
  'scripts',
  'package.json',
  'package-lock.json',
  '.twilioserverlessrc',
  'tsconfig.json',
  'tsconfig.assets.json',
  '.gitignore',
  '.env.example',
];
/** Never copied: files a user keeps out of git, which a fresh clone does not have. */
const UNTRACKED_IN_SRC = ['src/assets/basic-users.private.txt', 'src/assets/policy.private.json'];

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr as they interleaved. */
  readonly output: string;
}

export interface ProjectCopy {
  readonly dir: string;
  /** Writes `.env` from these variables (an empty string writes `KEY=`, which twilio-run drops). */
  writeEnv(variables: Record<string, string>): void;
  writeFile(relativePath: string, text: string): void;
  removeFile(relativePath: string): void;
  exists(relativePath: string): boolean;
  read(relativePath: string): string;
  /** Runs `npm run <script> -- <args>` in the copy with this environment (on top of a clean copy of the test's own). */
  npmRun(script: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<CommandResult>;
  remove(): void;
}

/** The environment a user's shell would give npm: no jest NODE_ENV, no credentials or proxies of the test runner's own. */
export function cleanEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      key === 'NODE_ENV' ||
      /^(https?_proxy|no_proxy|all_proxy)$/i.test(key) ||
      key.startsWith('TWILIO_') ||
      key === 'NODE_EXTRA_CA_CERTS'
    )
      continue;
    if (/^npm_/i.test(key) && !/^npm_config_(cache|registry|userconfig)$/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, FORCE_COLOR: '0', NO_COLOR: '1' };
}

export function copyProject(): ProjectCopy {
  const dir = mkdtempSync(join(tmpdir(), 'token-service-clone-'));
  for (const entry of COPIED) cpSync(join(projectRoot, entry), join(dir, entry), { recursive: true });
  for (const entry of UNTRACKED_IN_SRC) rmSync(join(dir, entry), { force: true });
  symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return {
    dir,
    writeEnv(variables) {
      writeFileSync(join(dir, '.env'), dotenvText(variables), { mode: 0o600 });
    },
    writeFile(relativePath, text) {
      writeFileSync(join(dir, relativePath), text);
    },
    removeFile(relativePath) {
      rmSync(join(dir, relativePath), { force: true });
    },
    exists: (relativePath) => existsSync(join(dir, relativePath)),
    read: (relativePath) => readFileSync(join(dir, relativePath), 'utf8'),
    npmRun(script, args, env, timeoutMs = 240_000) {
      return new Promise((resolve, reject) => {
        const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
          cwd: dir,
          env: { ...cleanEnvironment(), ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        let stdout = '';
        let stderr = '';
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          output += chunk.toString('utf8');
        });
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          output += chunk.toString('utf8');
        });
        const timer = killGroupAfter(child, timeoutMs);
        child.once('error', reject);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr, output });
        });
      });
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
