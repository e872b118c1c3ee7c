// Runs in a child process whose standard output is /dev/null (see isolated-run.mjs): measures the in-process cases
// of bench/cases.mjs there, so that every handler call writes its log line to a real stdout, as a deployed Function
// does. Receives { creds, interleaved, alone, settings } over IPC (not argv: the throwaway credentials are secrets)
// and answers { results, perRound, perRoundCpu }.
import { inProcessCases, Skip } from '../cases.mjs';
import { measureInterleaved, measureOpsPerSecond } from './in-process.mjs';

process.once('message', ({ creds, interleaved, alone, settings }) => {
  measure(creds, interleaved, alone, settings).then(
    (answer) => process.send(answer, undefined, {}, () => process.exit(0)),
    (error) => process.send({ error: error.message }, undefined, {}, () => process.exit(1)),
  );
});

async function measure(creds, interleaved, alone, settings) {
  const results = {};
  const ready = {};
  for (const name of [...interleaved, ...alone]) {
    const found = inProcessCases.find((c) => c.name === name);
    if (!found) throw new Error(`no in-process case named ${name}`);
    results[name] = { what: found.what };
    try {
      ready[name] = await found.setup(creds);
    } catch (error) {
      results[name] = { ...results[name], ...(error instanceof Skip ? { skipped: error.message } : { error: error.message }) };
    }
  }
  const sideBySide = Object.fromEntries(interleaved.filter((name) => ready[name]).map((name) => [name, ready[name]]));
  const measured = await measureInterleaved(sideBySide, settings);
  for (const [name, figures] of Object.entries(measured.cases)) Object.assign(results[name], figures);
  // Alone, a quarter of the time: these are the slow cases (a scrypt a call), whose rate needs no rounds.
  const aloneSettings = { warmupMs: settings.warmupMs / 4, durationMs: settings.durationMs / 4 };
  for (const name of alone.filter((n) => ready[n])) {
    try {
      Object.assign(results[name], await measureOpsPerSecond(ready[name], aloneSettings));
    } catch (error) {
      results[name].error = error.message;
    }
  }
  return { results, perRound: measured.perRound, perRoundCpu: measured.perRoundCpu };
}
