/** Faults a test arms on the stand-in's hosts: which request a fault takes (the nth matching one) and when it lets go. */

/**
 * What a fault does to the matching request: `drop-before` cuts the connection without applying it, `drop-after`
 * applies it and cuts the connection instead of answering (the client cannot tell whether it happened), `hold` keeps
 * the request unanswered until `release()` (then cuts it), so a test can signal the client at that point; `pause`
 * keeps it until `release()` and then handles it as usual, so a test can change the state while the client waits.
 */
export type FaultAction = 'drop-before' | 'drop-after' | 'hold' | 'pause';

export interface FaultSpec {
  /** GET, POST, DELETE, …, or `*` for any method (a test that cuts every request of a run in turn). */
  readonly method: string;
  /** Matched against the path without the query string, e.g. /\/Deployments$/. */
  readonly path: RegExp;
  /** Which matching request (1 = the first after the fault was added). Default 1. */
  readonly nth?: number;
  readonly action: FaultAction;
}

export interface Fault {
  /** Resolves when the matching request has arrived (and, for drop-after, has been applied). */
  readonly reached: Promise<void>;
  /** Cuts a held request's connection, or lets a paused one through; a no-op for other actions. */
  release(): void;
  /** Takes no request from now on (a fault armed past the last request of a run must not cut a later run's). */
  disarm(): void;
}

/** A fault that has taken its request: the dispatcher signals `reached` and waits on `released` as the action says. */
export interface ArmedFault {
  readonly spec: FaultSpec;
  seen: number;
  done: boolean;
  reachedResolve(): void;
  released: Promise<void>;
  releaseResolve(): void;
}

export class FaultBoard {
  private readonly faults: ArmedFault[] = [];

  /** Arms a fault for the nth request matching method and path, counted from now. */
  add(spec: FaultSpec): Fault {
    let reachedResolve!: () => void;
    let releaseResolve!: () => void;
    const reached = new Promise<void>((resolve) => (reachedResolve = resolve));
    const released = new Promise<void>((resolve) => (releaseResolve = resolve));
    const armed: ArmedFault = { spec, seen: 0, done: false, reachedResolve, released, releaseResolve };
    this.faults.push(armed);
    return {
      reached,
      release: () => releaseResolve(),
      disarm: () => {
        armed.done = true;
      },
    };
  }

  /** Counts the request against the faults it matches, in arming order; the first whose nth it is takes it (and stops the count). */
  take(method: string, path: string): ArmedFault | undefined {
    for (const fault of this.faults) {
      if (fault.done || (fault.spec.method !== '*' && fault.spec.method !== method) || !fault.spec.path.test(path)) continue;
      fault.seen += 1;
      if (fault.seen === (fault.spec.nth ?? 1)) {
        fault.done = true;
        return fault;
      }
    }
    return undefined;
  }

  /** Releases every held request (the stand-in is stopping). */
  releaseAll(): void {
    for (const fault of this.faults) fault.releaseResolve();
  }
}
