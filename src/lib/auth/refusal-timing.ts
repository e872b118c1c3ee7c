/**
 * How long one check of the costliest configured hash takes on this instance: the service time the check queue
 * schedules with. It is timed once, on the instance's first attempt, against the unmatchable hash, whatever the name;
 * never from a user's check or from time spent waiting: so neither a burst nor a configured name moves it.
 */
import { scryptWork, type ScryptParams } from './password-hash';

/**
 * @example timing.record(table.unknownUserHash, 140); timing.estimateMs(table.unknownUserHash) // 140
 */
export class RefusalTiming {
  private msPerWork: number | undefined;

  /** The check timed on the instance's first attempt: from its start to scrypt's answer. Later calls change nothing. */
  record(params: ScryptParams, durationMs: number): void {
    this.msPerWork ??= durationMs / scryptWork(params);
  }

  /** The expected duration of a check of `costliest`; undefined until one was timed. */
  estimateMs(costliest: ScryptParams): number | undefined {
    return this.msPerWork === undefined ? undefined : this.msPerWork * scryptWork(costliest);
  }
}
