/** npm run rotate-key's command line: its own flags, everything else kept for the twilio-run deploy options (deploy/deploy-flags.ts, as npm run deploy does). */
import { DeployStop } from './deploy/output';

export interface RotateKeyArgs {
  /** Everything that is not ours (--env, --load-system-env, --service-sid, --environment, …), parsed by deploy/deploy-flags.ts. */
  readonly forward: string[];
  /** --plan: stop after printing the plan. */
  readonly plan: boolean;
  readonly help: boolean;
  /** --secret-out FILE: where the new secret goes when the key came from the environment. */
  readonly secretOut?: string;
  /** --secret-fd N: the same, an open file descriptor. */
  readonly secretFd?: number;
}

const usage = (message: string) => new DeployStop(`${message}\n${ROTATE_KEY_HELP}`, { exitCode: 2 });

/** @example parseRotateKeyArgs(['--plan', '--env', '.env.ci']) // { plan: true, forward: ['--env', '.env.ci'], help: false } */
export function parseRotateKeyArgs(argv: readonly string[]): RotateKeyArgs {
  const forward: string[] = [];
  const rest = [...argv];
  let plan = false;
  let help = false;
  let secretOut: string | undefined;
  let secretFd: number | undefined;
  while (rest.length > 0) {
    const argument = rest.shift()!;
    const [flag, inline] =
      argument.startsWith('--') && argument.includes('=')
        ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)]
        : [argument, undefined];
    const value = () => {
      const next = inline ?? rest.shift();
      if (next === undefined || next === '') throw usage(`${flag} needs a value`);
      return next;
    };
    if (flag === '--plan') plan = true;
    else if (flag === '--secret-out') secretOut = value();
    else if (flag === '--secret-fd') {
      const text = value();
      if (!/^\d{1,4}$/.test(text) || Number(text) < 3)
        throw usage(`--secret-fd needs a descriptor number of 3 or more (0-2 are the terminal's), not ${text}`);
      secretFd = Number(text);
    } else if (flag === '--cwd') {
      throw usage('--cwd is not supported: run npm run rotate-key from the project folder');
    } else {
      if (flag === '--help' || flag === '-h') help = true;
      forward.push(argument);
    }
  }
  if (secretOut !== undefined && secretFd !== undefined) throw usage('name one of --secret-out and --secret-fd');
  return { forward, plan, help, ...(secretOut !== undefined && { secretOut }), ...(secretFd !== undefined && { secretFd }) };
}

export const ROTATE_KEY_HELP = `usage: npm run rotate-key [-- options]
  Replaces the service's signing key (TWILIO_API_KEY_SID/TWILIO_API_KEY_SECRET): creates a Standard key named
  "<service>/<environment> <date> replaces SK…", deploys it (the secret first, the SID last), checks the live service
  holds it and Twilio accepts it, hands it over, then deletes the old key, which ends every token it signed.
  A run cut at any point is finished by the next run. See docs/key-rotation.md.
  --plan               print what would be done (GET requests only); exit 0 nothing to do, 2 changes, 1 a problem
  --secret-out FILE    when the key comes from the environment (CI): write the new secret to FILE (created mode 600,
                       or an existing empty file only its owner may read)
  --secret-fd N        the same, to an open file descriptor (e.g. 3>secret.txt, or a pipe into your secret store)
  --env FILE, --load-system-env, --service-sid ZS…, --environment SUFFIX, --production: as npm run deploy
Credentials that may manage keys come from the environment: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or a Main key as
TWILIO_API_KEY and TWILIO_API_SECRET (with TWILIO_ACCOUNT_SID); never from the command line. TWILIO_EDGE overrides the
edge of the region's API host.`;
