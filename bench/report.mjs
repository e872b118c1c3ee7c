// `npm run bench:report`: writes BENCHMARKS.md from the JSON of a full `npm run bench` run (bench/results/latest.json
// unless a path is given). Every figure and every met / NOT met comes from that JSON and the targets in
// bench/cases.mjs; nothing in BENCHMARKS.md is edited by hand. Sections this script does not know (another issue's
// section in the JSON) get a generic table, so a new section shows up without a change here.
//   node bench/report.mjs [results.json] [--out FILE]   write BENCHMARKS.md (or FILE)
//   node bench/report.mjs --check [BENCHMARKS.md]        exit 1 unless the file has the structure this script writes,
//                                                        with a row for every case and target in bench/cases.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { coldStartCases, e2eTargets, inProcessCases, ratios } from './cases.mjs';

const BENCHMARKS_FILE = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const DEFAULT_RESULTS = fileURLToPath(new URL('./results/latest.json', import.meta.url));

/** The headings the report always has, in order: --check looks for each. */
const HEADINGS = [
  '# Benchmarks',
  '## Rerun',
  '## This run',
  '## Targets',
  '## 1. In-process, one core, warm',
  '## 2. Cold start',
  '## 3. End to end',
  '## 4. Peak memory under load',
  '## What the figures mean',
];
/** Sections of the results JSON that are not tables of cases. */
const NOT_SECTIONS = new Set([
  'profile',
  'settings',
  'startedAt',
  'finishedAt',
  'host',
  'references',
  'checks',
  'inProcessRounds',
  'e2eRounds',
  'ratios',
]);
const KNOWN_SECTIONS = new Set(['inProcess', 'coldStart', 'e2e']);

/** The prose: what limits each figure and why. No figures here: they would go stale; the tables above hold them. */
const MEANING = [
  '- **Why the handler is fast.** `AccessToken.toJwt()` hands jsonwebtoken the API key secret as a string, which',
  '  imports a new key for every token. The handler writes the same claims as twilio-node (`src/lib/token/access-token.ts`)',
  '  and signs with a `KeyObject` created once per configuration. `tests/unit/access-token.test.ts` holds its tokens',
  '  byte-identical to `toJwt()` for every grant combination, so a twilio change that alters the format fails a test.',
  '- **What the handler pays besides signing.** The one-shot SHA-256 of the presented secret for the constant-time',
  '  comparison, the checks of the request, the response object, and one JSON log line per request written with',
  '  `console.log` before the callback (a Function may be frozen right after its callback, and Twilio documents',
  '  `console.log` as the way to its logs). The raw-HMAC row is the floor: JSON and one HMAC, nothing else.',
  '- **The least handler.** `bench/least-handler/token.js` answers exactly what the handler answers (the bench checks',
  '  the bytes) and does only what every such handler must: the constant-time secret check, the claims, one HMAC, the',
  '  Response and the log line, with none of the checks of configuration, origin, body, fields, identity, policy or',
  '  revocations. Its ratio to raw HMAC is the most any handler that writes its log line can reach here; the',
  "  handler/least-handler ratio is the price of the handler's checks. `twilio-run-least` serves it end to end.",
  '- **End to end is bounded by twilio-run.** The `twilio-run-floor` row is the same dev server with the same flags',
  '  serving a function that answers `{}`: the token function can only approach it. twilio-run is the local dev server;',
  '  deployed, Twilio runs the function in its own runtime.',
  '- **Cold start.** The function bundles its code into one file and loads nothing from twilio to mint a token, so a',
  "  cold instance's first token costs less than loading twilio's `AccessToken` module alone. Deployed, Twilio's",
  '  runtime may already have loaded twilio.',
  '- **Memory.** twilio-run is a full Express dev server with the twilio SDK loaded; the Flask process is far smaller.',
  "  That is the dev server's footprint, not the function's.",
  '- **The CI guard** (`npm run bench:guard`, in `.ci/run`) measures the handler against raw HMAC in the same way as',
  '  section 1 and fails below half the target ratio.',
];

const args = process.argv.slice(2);
if (args[0] === '--check') {
  const problems = checkStructure(readFileSync(args[1] ?? BENCHMARKS_FILE, 'utf8'));
  for (const problem of problems) console.error(`bench:report --check: ${problem}`);
  if (problems.length === 0) console.log('bench:report --check: BENCHMARKS.md has every section, case and target');
  process.exit(problems.length === 0 ? 0 : 1);
}
const outAt = args.indexOf('--out');
const outFile = outAt === -1 ? BENCHMARKS_FILE : args[outAt + 1];
const resultsFile = args.find((arg, i) => !arg.startsWith('--') && i !== outAt + 1) ?? DEFAULT_RESULTS;
const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
if (results.profile !== 'full') {
  console.error(`bench:report: ${resultsFile} is from a ${results.profile} run; only a full run's figures go into BENCHMARKS.md`);
  process.exit(1);
}
writeFileSync(outFile, render(results));
console.log(`bench:report: wrote ${outFile} from ${resultsFile}`);

/** The whole of BENCHMARKS.md for one run's results. */
function render(r) {
  const extraSections = Object.keys(r).filter((key) => !NOT_SECTIONS.has(key) && !KNOWN_SECTIONS.has(key));
  return [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench:report` from one `npm run bench` run; do not edit by hand. -->',
    '',
    'Every figure below comes from one `npm run bench` run on one machine, all sides measured in the same run, so the ratios',
    'compare like with like. Absolute numbers move with the machine and its load; the ratios move less. The targets and',
    'their verdicts are computed from the same figures (targets in `bench/cases.mjs`).',
    '',
    '## Rerun',
    '',
    '```sh',
    'apt-get install wrk python3-flask python3-twilio   # Debian packages the bench needs (it says so if missing)',
    'npm run build && npm run bench                     # a few minutes; loopback only; every step bounded in time',
    'npm run bench:report                               # BENCHMARKS.md from bench/results/latest.json (npm run bench runs it)',
    'npm run bench:guard                                # the CI check: handler against raw HMAC, side by side',
    '```',
    '',
    'See `bench/README.md` for what each section measures and how.',
    '',
    '## This run',
    '',
    ...runDetails(r),
    '',
    '## Targets',
    '',
    '| Target | Ratio in this run | Verdict |',
    '| --- | --- | --- |',
    ...targetRows(r),
    '',
    '## 1. In-process, one core, warm',
    '',
    'Side by side in rounds, in a child process whose standard output is /dev/null: the handler rows write their JSON log',
    'line there with `console.log`, as the deployed function does. Per CPU second counts only the CPU time this process',
    'used; the in-process ratios are the median of the per-round ratios of that figure.',
    '',
    '| Case | What | ops/s | per CPU second |',
    '| --- | --- | --- | --- |',
    ...caseRows(r.inProcess, (c) => [fmt(c.opsPerSec), fmt(c.opsPerCpuSec)]),
    '',
    '## 2. Cold start',
    '',
    `Median of ${r.settings?.coldStart?.runs ?? '?'} fresh Node processes; only the require (and the first request) is timed, not Node's start-up.`,
    '',
    '| Case | What | median | min | max |',
    '| --- | --- | --- | --- | --- |',
    ...caseRows(r.coldStart, (c) => [ms(c.medianMs), ms(c.minMs), ms(c.maxMs)]),
    '',
    '## 3. End to end',
    '',
    `wrk, ${r.settings?.e2e?.connections ?? '?'} connections, loopback. Every server runs at once and wrk loads them in turn,`,
    `${r.settings?.e2e?.rounds ?? '?'} rounds of ${(r.settings?.e2e?.durationS ?? 0) / (r.settings?.e2e?.rounds ?? 1)} s each after ${r.settings?.e2e?.warmupS ?? 0} s of warm-up;`,
    'each figure is the median of its slices, and the ratios the median of the per-round ratios.',
    '',
    '| Server | What | req/s | p50 | p99 | non-2xx | socket errors |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...caseRows(r.e2e, (c) => [
      fmt(c.requestsPerSec),
      ms(c.latencyMs?.p50),
      ms(c.latencyMs?.p99),
      String(c.non2xx ?? '-'),
      c.socketErrors ? String(Object.values(c.socketErrors).reduce((a, b) => a + b, 0)) : '-',
    ]),
    '',
    '## 4. Peak memory under load',
    '',
    '| Server | VmHWM of the listening process |',
    '| --- | --- |',
    ...Object.entries(r.e2e ?? {}).map(([name, c]) => `| ${name} | ${c.memory ? `${fmt(c.memory.peakRssKb / 1024)} MB` : '-'} |`),
    '',
    ...extraSections.flatMap((key, i) => genericSection(`${5 + i}. ${sectionTitle(key)}`, r[key])),
    '## What the figures mean',
    '',
    ...MEANING,
    '',
  ].join('\n');
}

function runDetails(r) {
  const load = r.host?.loadAverage1m ?? {};
  const busy = load.atStart > (r.host?.cpus ?? 1) / 2;
  return [
    `- Date: ${r.startedAt} to ${r.finishedAt}.`,
    `- Machine: ${r.host?.cpus ?? '?'} CPUs${r.host?.cpuModel ? ` (${r.host.cpuModel})` : ''}${r.host?.memoryGiB ? `, ${r.host.memoryGiB} GiB` : ''}, Node.js ${r.host?.node ?? '?'}.`,
    `- Load average (1 min): ${num(load.atStart)} at the start, ${num(load.atEnd)} at the end${busy ? ': the machine was busy, so the figures are noisy' : ''}.`,
    ...(r.references
      ? [
          `- References: ${Object.entries(r.references)
            .map(([name, version]) => `${name} ${version}`)
            .join(', ')}.`,
        ]
      : []),
    `- Raw-HMAC tokens byte-identical to the naive path's: ${r.checks?.rawHmacMatchesNaiveBytes === true ? 'yes' : 'NO'}.`,
  ];
}

/**
 * One row for every target of bench/cases.mjs, its verdict computed here from the value; then any ratio of the JSON
 * that cases.mjs does not know (another issue's), with the verdict it came with.
 */
function targetRows(r) {
  const values = r.ratios ?? {};
  const known = ratios.map(({ name, target, meets }) => {
    const value = values[name]?.value;
    if (value === undefined) return `| ${name}: ${target} | n/a (a side is missing) | not judged |`;
    return `| ${name}: ${target} | ${value} | ${meets ? (meets(value) ? 'met' : '**NOT met**') : 'reported'} |`;
  });
  const others = Object.entries(values)
    .filter(([name]) => !ratios.some((ratio) => ratio.name === name))
    .map(([name, entry]) =>
      entry ? `| ${name}: ${entry.target} | ${entry.value} | ${entry.verdict ?? ''} |` : `| ${name} | n/a | not judged |`,
    );
  return [...known, ...others];
}

function caseRows(section, figures) {
  return Object.entries(section ?? {}).map(([name, c]) => {
    const measured = c.skipped ? [`skipped: ${c.skipped}`] : c.error ? [`ERROR: ${c.error}`] : figures(c);
    return `| ${name} | ${escape(c.what ?? '')} | ${measured.join(' | ')} |`;
  });
}

/** A section this script has no layout for: one row per case, its figures flattened one level. */
function genericSection(title, section) {
  if (typeof section !== 'object' || section === null) return [];
  const rows = Object.entries(section).map(([name, c]) => {
    if (typeof c !== 'object' || c === null) return `| ${name} | | ${escape(String(c))} |`;
    const { what, ...figures } = c;
    const shown = Object.entries(figures).map(
      ([key, value]) => `${key} ${escape(typeof value === 'object' ? JSON.stringify(value) : String(value))}`,
    );
    return `| ${name} | ${escape(what ?? '')} | ${shown.join('; ')} |`;
  });
  return [`## ${title}`, '', '| Case | What | Figures |', '| --- | --- | --- |', ...rows, ''];
}

function sectionTitle(key) {
  return key === 'throttle' ? 'Brute force and Sync' : key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}

/** The structure this script writes, found in `text`: every heading, case and target. */
function checkStructure(text) {
  const problems = [];
  let from = 0;
  for (const heading of HEADINGS) {
    const at = text.indexOf(`\n${heading}\n`, from === 0 ? -1 : from);
    if (at === -1 && !(from === 0 && text.startsWith(`${heading}\n`))) problems.push(`heading "${heading}" missing or out of order`);
    else from = Math.max(from, at);
  }
  if (!text.includes('do not edit by hand')) problems.push('the generated-file notice is missing');
  const rows = (names, kind) => {
    for (const name of names) if (!text.includes(`\n| ${name} |`)) problems.push(`no row for the ${kind} "${name}"`);
  };
  rows(
    inProcessCases.map((c) => c.name),
    'in-process case',
  );
  rows(
    coldStartCases.map((c) => c.name),
    'cold-start case',
  );
  rows(
    e2eTargets.map((c) => c.name),
    'end-to-end server',
  );
  for (const ratio of ratios)
    if (!text.includes(`\n| ${ratio.name}: ${ratio.target} |`)) problems.push(`no row for the target "${ratio.name}"`);
  return problems;
}

function fmt(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-';
}
function ms(n) {
  return Number.isFinite(n) ? `${n} ms` : '-';
}
function num(n) {
  return Number.isFinite(n) ? n.toFixed(2) : '?';
}
function escape(text) {
  return String(text).replaceAll('|', '\\|');
}
