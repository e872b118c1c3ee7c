/** The one vocabulary for configuration problems: what a parser reports, where it collects them, what it returns. */

/**
 * One thing wrong with the configuration: where (a variable or a file), what is wrong, how to fix it. Never a value.
 * Style: `message` names the setting and says what is wrong, `fix` says what to do; both start lower-case and end
 * without a full stop, so a list of them reads alike wherever it is printed.
 */
export interface Problem {
  readonly variable: string;
  readonly message: string;
  readonly fix: string;
}

/**
 * What every parser returns: `ok` with the parsed value under its own name, or every problem it found.
 * `P` is the problem's shape: a `Problem`, or a position in a document that the setting holding it turns into one.
 * @example const parsed: Checked<{ secrets: SharedSecretSet }> = parseSharedSecrets(raw); if (!parsed.ok) show(parsed.problems)
 */
export type Checked<T extends object, P = Problem> = ({ readonly ok: true } & T) | { readonly ok: false; readonly problems: P[] };

/**
 * Collects problems rather than stopping at the first, so one run shows the user everything to fix.
 * @example const problems = new ProblemList(); problems.report('TOKEN_TTL', 'TOKEN_TTL must be …', 'set …'); problems.result({ ttl })
 */
export class ProblemList<P = Problem> {
  readonly all: P[] = [];

  add(...problems: readonly P[]): void {
    this.all.push(...problems);
  }

  get empty(): boolean {
    return this.all.length === 0;
  }

  /** `value` when nothing was reported, else every problem reported. */
  result<T extends object>(value: T): Checked<T, P> {
    return this.empty ? { ok: true, ...value } : { ok: false, problems: [...this.all] };
  }
}

/** A `ProblemList` of `Problem`s, with the three parts as arguments. */
export class ConfigProblems extends ProblemList<Problem> {
  report(variable: string, message: string, fix: string): void {
    this.add({ variable, message, fix });
  }
}

/** A failed `Checked` with one problem. */
export function failed<P = Problem>(problem: P): { readonly ok: false; readonly problems: P[] } {
  return { ok: false, problems: [problem] };
}
