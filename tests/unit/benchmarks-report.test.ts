/**
 * bench/report.mjs: BENCHMARKS.md is generated from the bench's JSON, its verdicts computed from the figures and the
 * targets in bench/cases.mjs, and the committed file keeps the structure the generator writes (every case and target).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const REPORT = join(ROOT, 'bench', 'report.mjs');

function report(...args: string[]) {
  const run = spawnSync(process.execPath, [REPORT, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A full run's JSON as bench/run.mjs writes it, with made-up figures. */
function fullResults(handlerPerRawHmac: number) {
  const inProcess = (name: string, opsPerSec: number) => [name, { what: `${name} case`, opsPerSec, opsPerCpuSec: opsPerSec }];
  return {
    profile: 'full',
    settings: { coldStart: { runs: 10 }, e2e: { connections: 10, durationS: 10, warmupS: 2 } },
    startedAt: '2026-12-07T00:00:00.000Z',
    finishedAt: '2026-12-07T00:03:00.000Z',
    host: { node: 'v20.20.2', cpus: 2, loadAverage1m: { atStart: 0.3, atEnd: 0.5 } },
    checks: { rawHmacMatchesNaiveBytes: true },
    inProcess: Object.fromEntries([
      inProcess('naive', 3000),
      inProcess('raw-hmac', 250_000),
      inProcess('handler', 250_000 * handlerPerRawHmac),
      inProcess('least-handler', 80_000),
      inProcess('basic-warm', 70_000),
      inProcess('basic-cold', 4),
    ]),
    coldStart: Object.fromEntries(
      ['twilio', 'access-token', 'handler', 'naive-first', 'handler-first'].map((name) => [
        name,
        { what: name, medianMs: 10, minMs: 9, maxMs: 12 },
      ]),
    ),
    e2e: Object.fromEntries(
      ['twilio-run', 'twilio-run-floor', 'twilio-run-least', 'flask'].map((name) => [
        name,
        { what: name, requestsPerSec: 3000, latencyMs: { p50: 2, p99: 7 }, non2xx: 0, socketErrors: {}, memory: { peakRssKb: 102_400 } },
      ]),
    ),
    refusals: { 'unknown-name': { what: "another issue's section", medianMs: 3.2 } },
    ratios: {
      'handler/raw-hmac in-process ops/s': { value: handlerPerRawHmac, target: 'ignored', verdict: 'met' },
      'refusals: configured/unknown median ms': { value: 1.01, target: '0.9-1.1', verdict: 'met' },
    },
  };
}

describe('bench/report.mjs', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bench-report-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes its structure check on the committed BENCHMARKS.md', () => {
    const check = report('--check');
    expect(check.output).toContain('has every section, case and target');
    expect(check.status).toBe(0);
  });

  it('fails the check when a target row is gone', () => {
    const edited = readFileSync(join(ROOT, 'BENCHMARKS.md'), 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('| handler/raw-hmac in-process ops/s:'))
      .join('\n');
    writeFileSync(join(dir, 'BENCHMARKS.md'), edited);
    const check = report('--check', join(dir, 'BENCHMARKS.md'));
    expect(check.status).toBe(1);
    expect(check.output).toContain('no row for the target "handler/raw-hmac in-process ops/s"');
  });

  it('computes the verdict from the figure, not from the verdict stored in the JSON, and keeps a section it does not know', () => {
    writeFileSync(join(dir, 'latest.json'), JSON.stringify(fullResults(0.2)));
    const written = report(join(dir, 'latest.json'), '--out', join(dir, 'BENCHMARKS.md'));
    expect(written.status).toBe(0);
    const text = readFileSync(join(dir, 'BENCHMARKS.md'), 'utf8');
    expect(text).toContain('| handler/raw-hmac in-process ops/s: >= 0.333 (within 3x) | 0.2 | **NOT met** |');
    expect(text).toContain('| refusals: configured/unknown median ms: 0.9-1.1 | 1.01 | met |');
    expect(text).toMatch(/## \d+\. Refusals\n/);
    expect(text).toContain("| unknown-name | another issue's section | medianMs 3.2 |");
    expect(report('--check', join(dir, 'BENCHMARKS.md')).status).toBe(0);
  });

  it('refuses the figures of a smoke run', () => {
    writeFileSync(join(dir, 'latest.json'), JSON.stringify({ ...fullResults(0.5), profile: 'smoke' }));
    const written = report(join(dir, 'latest.json'), '--out', join(dir, 'BENCHMARKS.md'));
    expect(written.status).toBe(1);
    expect(written.output).toContain('only a full run');
  });
});
