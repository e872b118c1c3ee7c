// npm test: every jest project (jest.config.js) in two phases, then one summary. Phase 1 runs the suites that can share
// the machine on two workers; phase 2 runs those that need it alone, in band. Arguments go to both phases (a path
// filter, -t); `--json --outputFile=FILE` writes one report of both phases, as a single jest run would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const PHASES = [
  { name: 'side by side', projects: ['unit', 'properties', 'cli', 'servers', 'deploy'], workers: ['--maxWorkers=2'] },
  { name: 'alone', projects: ['alone'], workers: ['--runInBand'] },
];

/** The caller's arguments without --json and --outputFile (each phase writes its own report, merged at the end). */
function splitOutputFile(args) {
  const rest = [];
  let outputFile;
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--outputFile') outputFile = args[++i];
    else if (args[i].startsWith('--outputFile=')) outputFile = args[i].slice('--outputFile='.length);
    else if (args[i] !== '--json') rest.push(args[i]);
  }
  return { rest, outputFile };
}

const { rest, outputFile } = splitOutputFile(process.argv.slice(2));
// Each phase reports as JSON too, so the run can say what both did (and fail when a filter selected nothing at all).
const reporting = !rest.includes('--listTests');
const reports = mkdtempSync(join(tmpdir(), 'token-service-jest-'));
let failed = false;
const results = [];
for (const [index, phase] of PHASES.entries()) {
  console.log(`\nnpm test, phase ${index + 1} of ${PHASES.length} (${phase.name}): ${phase.projects.join(', ')}\n`);
  const report = join(reports, `phase-${index + 1}.json`);
  // A filter may select nothing in one phase; a run that selects nothing at all still fails (below).
  const args = [jest, '--selectProjects', ...phase.projects, ...phase.workers, '--passWithNoTests', ...rest];
  if (reporting) args.push('--json', `--outputFile=${report}`);
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) failed = true;
  if (reporting) results.push(readReport(report));
}

if (reporting) {
  const sum = (key) => results.reduce((total, result) => total + (result[key] ?? 0), 0);
  const merged = { ...results[0], testResults: results.flatMap((result) => result.testResults ?? []) };
  for (const key of Object.keys(results[0]).filter((k) => /^num[A-Z]/.test(k))) merged[key] = sum(key);
  merged.startTime = Math.min(...results.map((result) => result.startTime));
  if (merged.numTotalTests === 0) failed = true;
  merged.success = !failed;
  const seconds = Math.round((Date.now() - merged.startTime) / 1000);
  console.log(
    `\nnpm test, both phases: ${merged.numPassedTests} passed, ${merged.numFailedTests} failed, ${merged.numPendingTests} skipped ` +
      `of ${merged.numTotalTests} tests in ${merged.numTotalTestSuites} suites, ${seconds} s${failed ? ' (FAILED)' : ''}`,
  );
  if (outputFile) writeFileSync(outputFile, JSON.stringify(merged));
}

/** A phase's report; a phase that crashed before writing one counts as a failure with no results. */
function readReport(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    failed = true;
    return { numTotalTests: 0, testResults: [], startTime: Date.now() };
  }
}
rmSync(reports, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
