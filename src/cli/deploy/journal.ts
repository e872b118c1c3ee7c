/**
 * The steps of a deploy, in order, each pending, in flight, done or failed: what an interrupted or failed deploy
 * prints so the user knows what is applied on Twilio and what is not.
 */
type StepState = 'pending' | 'in flight' | 'done' | 'failed' | 'refused';

/**
 * Twilio answered with a 4xx: the request was refused, so nothing of it was applied. A 5xx or no answer at all
 * (a cut connection) leaves it unknown whether Twilio applied it.
 */
function refusedByTwilio(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

interface Step {
  readonly label: string;
  state: StepState;
}

export class DeployJournal {
  private readonly steps: Step[] = [];

  /** Lists a step before any runs, so that "not applied" can name it. */
  plan(label: string): void {
    this.steps.push({ label, state: 'pending' });
  }

  /** Runs a planned step (by label), recording its state around it. */
  async run<T>(label: string, action: () => Promise<T>): Promise<T> {
    let step = this.steps.find((candidate) => candidate.label === label && candidate.state === 'pending');
    if (!step) {
      step = { label, state: 'pending' };
      this.steps.push(step);
    }
    step.state = 'in flight';
    try {
      const result = await action();
      step.state = 'done';
      return result;
    } catch (error) {
      step.state = refusedByTwilio(error) ? 'refused' : 'failed';
      throw error;
    }
  }

  get started(): boolean {
    return this.steps.some((step) => step.state !== 'pending');
  }

  get finished(): boolean {
    return this.steps.every((step) => step.state === 'done');
  }

  /** Applied, refused (Twilio answered no), unknown (sent, no answer or a server error) and not applied, one line per step. */
  report(): string[] {
    const lines: string[] = [];
    const section = (title: string, states: StepState[]) => {
      const steps = this.steps.filter((step) => states.includes(step.state));
      if (steps.length > 0) lines.push(title, ...steps.map((step) => `    ${step.label}`));
    };
    section('  applied:', ['done']);
    section('  refused by Twilio (not applied):', ['refused']);
    section('  unknown (sent, no answer; the next deploy reads what is live):', ['in flight', 'failed']);
    section('  not applied:', ['pending']);
    return lines;
  }
}
