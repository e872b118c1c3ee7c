/**
 * npm start as a user runs it, in a clone of this project: it serves without type-checking, restarts when .env
 * changes (saying so), rebuilds and restarts when a file under src/ changes, refuses a busy port instead of hanging
 * in twilio-run's prompt, and its scripts use no POSIX-only shell syntax (cmd.exe and PowerShell run them too).
 * Bounds below are deadlines for a hung server, not timing assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { copyProject, cleanEnvironment, type ProjectCopy } from '../helpers/project-copy';
import { environmentFor, newCredentials } from '../helpers/fixtures';
import { stopProcessGroup } from '../helpers/process-group';
import { freePort } from '../helpers/twilio-run-server';
import { PROJECT_ROOT } from '../helpers/run-cli';

const DEADLINE_MS = 90_000;

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  output(): string;
}

function npmStart(copy: ProjectCopy, port: number): Started {
  const child = spawn('npm', ['run', '--silent', 'start'], {
    cwd: copy.dir,
    env: { ...cleanEnvironment(), PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, output: () => output };
}

/** Polls until `check` holds, or fails with what the server printed once the deadline passes. */
async function eventually<T>(started: Started, what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen by the deadline; npm start printed:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function healthGrants(port: number): Promise<string[] | undefined> {
  const answer = await fetch(`http://127.0.0.1:${port}/health`);
  const body = (await answer.json()) as { grants?: string[] };
  return body.grants;
}

describe('npm start in a clone', () => {
  let copy: ProjectCopy;
  let started: Started | undefined;

  beforeAll(async () => {
    copy = copyProject();
    copy.writeEnv(await environmentFor(newCredentials(['alice']), { TOKEN_GRANTS: 'video' }));
  });
  afterAll(async () => {
    if (started) await stopProcessGroup(started.child, started.exited);
    copy?.remove();
  });

  it(
    'serves, then picks up a .env edit by restarting (and says so), then a source edit by rebuilding',
    async () => {
      const port = await freePort();
      started = npmStart(copy, port);
      const s = started;
      expect(await eventually(s, 'the first /health', () => healthGrants(port))).toEqual(['video']);

      const env = copy.read('.env').replace(/^TOKEN_GRANTS=video$/m, 'TOKEN_GRANTS=video,sync');
      copy.writeFile('.env', env);
      const grants = await eventually(s, '/health with the new TOKEN_GRANTS', async () => {
        const now = await healthGrants(port);
        return now?.includes('sync') ? now : undefined;
      });
      expect(grants).toEqual(['video', 'sync']);
      expect(s.output()).toContain('start: .env changed; restarting the server');

      // Saved by renaming a new file over it (as editors, sed -i and git checkout do), twice, then in place: Node 20's
      // recursive watch on Linux lost the file after the first rename, and each save must still be served.
      const original = copy.read('src/assets/index.html');
      for (const [n, save] of [
        [1, 'rename'],
        [2, 'rename'],
        [3, 'in place'],
      ] as const) {
        const marker = `edited-${n}-${Date.now()}`;
        const page = original.replace('</body>', `<!-- ${marker} --></body>`);
        if (save === 'rename') {
          copy.writeFile(`src/assets/.index.html.${n}.tmp`, page);
          renameSync(join(copy.dir, `src/assets/.index.html.${n}.tmp`), join(copy.dir, 'src/assets/index.html'));
        } else copy.writeFile('src/assets/index.html', page);
        await eventually(s, `the demo page rebuilt after save ${n} (${save})`, async () => {
          const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
          return text.includes(marker) ? true : undefined;
        });
      }
      expect(s.output()).toMatch(/start: src\/.*index\.html changed; restarting the server/);
      // No type check on this path: that is npm run typecheck's (and CI's) job.
      expect(s.output()).not.toMatch(/tsc|type check/);
    },
    4 * DEADLINE_MS,
  );

  it(
    'stops with a clear message when the port is taken, instead of waiting in twilio-run’s prompt',
    async () => {
      const blocker = createServer();
      const port = await new Promise<number>((resolve) => blocker.listen(0, () => resolve((blocker.address() as { port: number }).port)));
      try {
        const busy = npmStart(copy, port);
        const stop = setTimeout(() => void stopProcessGroup(busy.child, busy.exited), DEADLINE_MS);
        await busy.exited;
        clearTimeout(stop);
        expect(busy.child.exitCode).toBe(1);
        expect(busy.output()).toContain(`start: port ${port} is in use`);
      } finally {
        blocker.close();
      }
    },
    2 * DEADLINE_MS,
  );
});

it('npm scripts use no POSIX-only shell syntax ($VAR, or PORT with a :-3000 default), so they run in cmd.exe and PowerShell', () => {
  const scripts = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const posixOnly = Object.entries(scripts).filter(([, command]) => /\$\{?[A-Za-z_]/.test(command));
  expect(posixOnly).toEqual([]);
});
