/** npm run new-secret: prints a shared secret for AUTH_SHARED_SECRETS (256 bits, URL-safe). */
import { generateSharedSecret } from '../lib/auth/shared-secrets';

process.stdout.write(`${generateSharedSecret()}\n`);
