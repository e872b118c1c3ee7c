/** A deploy that stops on purpose: its message goes to stderr after "deploy: ", and the process exits with its status. */
export class DeployStop extends Error {
  /** 2 for a usage mistake, 1 otherwise. */
  readonly exitCode: number;

  constructor(message: string, options: { readonly exitCode?: number } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? 1;
  }
}
