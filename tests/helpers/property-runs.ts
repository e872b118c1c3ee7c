/**
 * How many generated cases each fast-check property runs: PROPERTY_RUNS when set (CI sets 10,000 in .ci/run), else a
 * few hundred, so `npm run test:unit` stays an edit loop of seconds. The properties are the same either way; only the
 * sample differs, and a failure prints fast-check's seed to replay it at any count.
 */
const DEFAULT_PROPERTY_RUNS = 300;

/** PROPERTY_RUNS as a positive integer; anything else set there fails the suite rather than silently testing less. */
export function propertyRuns(): number {
  const raw = process.env.PROPERTY_RUNS;
  if (raw === undefined || raw === '') return DEFAULT_PROPERTY_RUNS;
  if (!/^[1-9]\d{0,6}$/.test(raw)) throw new Error(`PROPERTY_RUNS must be a positive integer, not ${JSON.stringify(raw)}`);
  return Number(raw);
}
