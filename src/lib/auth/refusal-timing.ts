/**
 * How long a refused password check takes on this instance, so every refusal (a wrong password of any user, an
 * unknown name, a password refused without hashing) is answered after as long as the costliest configured check.
 */
import { scryptWork, type ScryptParams } from './password-hash';

/** Recent checks kept: the floor follows the instance's load up and down. */
const SAMPLES = 16;

/**
 * Durations of real checks, each divided by its work, so that a check of a cheap hash predicts one of the
 * costliest. The floor is the slowest recent one scaled to the costliest hash: a real check is rarely longer.
 * @example timing.record(user.hash, 140); timing.floorMs(table.unknownUserHash) // ≈ 140 × work ratio
 */
export class RefusalTiming {
  private readonly msPerWork: number[] = [];

  record(params: ScryptParams, durationMs: number): void {
    this.msPerWork.push(durationMs / scryptWork(params));
    if (this.msPerWork.length > SAMPLES) this.msPerWork.shift();
  }

  /** undefined until one check has been timed on this instance. */
  floorMs(costliest: ScryptParams): number | undefined {
    if (this.msPerWork.length === 0) return undefined;
    return Math.max(...this.msPerWork) * scryptWork(costliest);
  }
}
