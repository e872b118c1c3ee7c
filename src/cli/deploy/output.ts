/** What npm run deploy prints (its report on stdout) and how it stops on purpose (a message on stderr and an exit status). */

/** Prints one line of npm run deploy's report on stdout (the tests read these lines). */
export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A deploy that stops on purpose: its message goes to stderr after "deploy: ", and the process exits with its status. */
export class DeployStop extends Error {
  /** 2 for a usage mistake, 1 otherwise. */
  readonly exitCode: number;

  constructor(message: string, options: { readonly exitCode?: number } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? 1;
  }
}
