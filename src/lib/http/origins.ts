/** ALLOWED_ORIGINS: the browser origins that may call the service from another site, in one normal form. */
import type { SettingsReader } from '../base/settings-reader';
import { splitList } from '../base/text';

/**
 * `scheme://host[:port]` in lower case for an http(s) origin, else undefined.
 * @example normaliseOrigin('https://App.Example.com:443') // 'https://app.example.com'
 */
export function normaliseOrigin(value: string): string | undefined {
  if (value === 'null' || value.includes('*')) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return undefined;
  return url.origin.toLowerCase();
}

/** Each listed origin, normalised; an entry that is not an origin is a problem (never a wildcard). */
export function readAllowedOrigins(settings: SettingsReader): ReadonlySet<string> {
  const origins = new Set<string>();
  const raw = settings.text('ALLOWED_ORIGINS');
  if (raw === undefined) return origins;
  for (const entry of splitList(raw)) {
    const origin = normaliseOrigin(entry);
    if (origin === undefined) {
      settings.report(
        'ALLOWED_ORIGINS',
        'ALLOWED_ORIGINS entries must be origins like https://app.example.com (scheme, host and optional port; no path, no wildcard)',
        'list each browser origin exactly, separated by commas',
      );
      continue;
    }
    origins.add(origin);
  }
  return origins;
}
