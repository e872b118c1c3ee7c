/**
 * npm run smoke -- URL [--wait SECONDS]: checks a deployed (or local) service from outside: /health, the
 * demo page, /token's refusal without credentials, the token client and the OpenAPI description.
 * Goes through HTTP_PROXY when it is set. Exit code 1 if any check fails.
 */
import { runSmokeChecks } from './deploy/smoke-checks';

function usage(): never {
  process.stderr.write('usage: npm run smoke -- https://<service>.twil.io [--wait SECONDS]\n');
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  let url: string | undefined;
  let waitSeconds = 0;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--wait') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 0 || value > 600) usage();
      waitSeconds = value;
    } else if (argument.startsWith('-') || url !== undefined) usage();
    else url = argument;
  }
  if (url === undefined) usage();
  let result;
  try {
    result = await runSmokeChecks(url, { waitSeconds });
  } catch (error) {
    process.stderr.write(`smoke: ${(error as Error).message}\n`);
    return 2;
  }
  process.stdout.write(`smoke: ${new URL(url).origin}\n${result.lines.join('\n')}\n`);
  process.stdout.write(result.ok ? 'smoke: all checks passed\n' : 'smoke: FAILED\n');
  return result.ok ? 0 : 1;
}

void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
