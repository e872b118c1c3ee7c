/**
 * The steps of a deploy, in order, each pending, in flight, done or failed: what an interrupted or failed deploy
 * prints so the user knows what is applied on Twilio and what is not. The journal is given the whole list before the
 * first step runs and runs exactly that list, in order: there is no way to run a step it was not given.
 */
type StepState = 'pending' | 'in flight' | 'done' | 'failed' | 'refused';

/** One write of a deploy (or of a key rotation): what the plan and the journal call it, and what it does. */
export interface DeployStep {
  readonly label: string;
  readonly run: () => Promise<void>;
}

/**
 * Twilio answered with a 4xx: the request was refused, so nothing of it was applied. A 5xx or no answer at all
 * (a cut connection) leaves it unknown whether Twilio applied it.
 */
function refusedByTwilio(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

interface Entry {
  readonly step: DeployStep;
  state: StepState;
}

export class DeployJournal {
  private readonly entries: readonly Entry[];
  private ran = false;

  /** Lists every step before any runs, so that "not applied" can name them. */
  constructor(steps: readonly DeployStep[]) {
    this.entries = steps.map((step) => ({ step, state: 'pending' }));
  }

  /** Runs the steps in their order, recording each one's state around it; the first failure stops the rest. */
  async runAll(): Promise<void> {
    // Each step runs once: a second run would send writes the report already counts as applied.
    if (this.ran) throw new Error('DeployJournal.runAll: this journal has already run its steps');
    this.ran = true;
    for (const entry of this.entries) {
      entry.state = 'in flight';
      try {
        await entry.step.run();
        entry.state = 'done';
      } catch (error) {
        entry.state = refusedByTwilio(error) ? 'refused' : 'failed';
        throw error;
      }
    }
  }

  get started(): boolean {
    return this.entries.some((entry) => entry.state !== 'pending');
  }

  get finished(): boolean {
    return this.entries.every((entry) => entry.state === 'done');
  }

  /** Applied, refused (Twilio answered no), unknown (sent, no answer or a server error) and not applied, one line per step. */
  report(): string[] {
    const lines: string[] = [];
    const section = (title: string, states: StepState[]) => {
      const entries = this.entries.filter((entry) => states.includes(entry.state));
      if (entries.length > 0) lines.push(title, ...entries.map((entry) => `    ${entry.step.label}`));
    };
    section('  applied:', ['done']);
    section('  refused by Twilio (not applied):', ['refused']);
    section('  unknown (sent, no answer; the next deploy reads what is live):', ['in flight', 'failed']);
    section('  not applied:', ['pending']);
    return lines;
  }
}
