/**
 * How long one check of the costliest configured hash takes on this instance: the service time the check queue
 * admits with. Only the time a check runs counts, never the time it waited for its turn, so a burst cannot ratchet
 * it up; and a refusal's time does not depend on it (the queue answers every refusal at its deadline).
 */
import { DEFAULT_SCRYPT_PARAMS, scryptWork, type ScryptParams } from './password-hash';

/**
 * Until the instance has timed a check: what one of the default hash is assumed to take, a little above what this
 * project's 2-core machines measure (about 150 ms).
 */
const SEED_MS_PER_WORK = 200 / scryptWork(DEFAULT_SCRYPT_PARAMS);

/** Recent checks kept. */
const SAMPLES = 16;
/** A check older than this is forgotten: after a burst the estimate falls back to the instance's first timing. */
const SAMPLE_LIFETIME_MS = 60_000;

/**
 * Durations of checks, each divided by its work, so that a check of a cheap hash predicts one of the costliest. The
 * estimate is the median of the first timing and the recent checks (the queue leaves one more check's time to spare).
 * @example timing.record(user.hash, 150, now); timing.estimateMs(table.unknownUserHash, now) // ≈ 150 × work ratio
 */
export class RefusalTiming {
  private firstMsPerWork: number | undefined;
  private readonly recent: { msPerWork: number; at: number }[] = [];

  /** One check's run time (from its start to scrypt's answer). */
  record(params: ScryptParams, durationMs: number, at: number): void {
    const msPerWork = durationMs / scryptWork(params);
    this.firstMsPerWork ??= msPerWork;
    this.recent.push({ msPerWork, at });
    if (this.recent.length > SAMPLES) this.recent.shift();
  }

  /** Whether a check was timed here yet. */
  get timed(): boolean {
    return this.firstMsPerWork !== undefined;
  }

  /** The seed's estimate until a check was timed here. */
  estimateMs(costliest: ScryptParams, now: number): number {
    if (this.firstMsPerWork === undefined) return SEED_MS_PER_WORK * scryptWork(costliest);
    const live = this.recent.filter((sample) => now - sample.at < SAMPLE_LIFETIME_MS).map((sample) => sample.msPerWork);
    const sorted = [this.firstMsPerWork, ...live].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]! * scryptWork(costliest);
  }
}
