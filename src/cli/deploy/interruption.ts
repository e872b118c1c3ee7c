/** What a deploy stopped by a signal or failed part-way knows, printed once: nothing changed, or which steps were applied. */
import type { ChildProcess } from 'node:child_process';
import type { DeployJournal } from './journal';
import { say } from './output';

export class DeployProgress {
  /** The build while it runs: the only child process. */
  child: ChildProcess | undefined;
  /** The steps being applied to Twilio, once applying begins. */
  journal: DeployJournal | undefined;
  private reported = false;

  /** The npm script whose run this is (npm run rotate-key reports through this too); default deploy. */
  constructor(private readonly command = 'deploy') {}

  /** Says what was changed on Twilio and what was not; only the first call prints. */
  reportInterruption(why: string): void {
    if (this.reported) return;
    this.reported = true;
    const journal = this.journal;
    if (!journal || !journal.started) {
      say(`${this.command}: ${why}; nothing was changed on Twilio`);
      return;
    }
    if (journal.finished) {
      say(`${this.command}: ${why} after every change was applied`);
      return;
    }
    say(`${this.command}: ${why} part-way:`);
    for (const line of journal.report()) say(line);
    say(`${this.command}: run \`npm run ${this.command}\` again: it plans against what is live and applies what is missing`);
  }
}

/** On SIGINT or SIGTERM: stops the build if it runs, reports what was applied, exits 130 or 143. */
export function stopOnSignals(progress: DeployProgress): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    // The build is the only child; every Twilio request is made here and ends with this process.
    if (progress.child && progress.child.exitCode === null) progress.child.kill('SIGTERM');
    progress.reportInterruption(`stopped by ${signal}`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
