/**
 * The deploy manifest: a private Function that every `npm run deploy` adds to its Build, holding the sha256 of each
 * file in that Build. Twilio keeps no hash of an Asset Version and serves no way to read its bytes back, but a
 * Function Version's code is readable (`GET …/Functions/{ZH}/Versions/{ZN}/Content`), so the next deploy (and
 * `--plan`) reads this to tell which files changed. Private: not reachable by URL.
 */
import { createHash } from 'node:crypto';

/** Where the manifest lives in every Build; not a path this service serves. */
export const MANIFEST_PATH = '/deploy-manifest';
const MARKER = 'exports.manifest = ';

interface ManifestEntry {
  readonly visibility: string;
  readonly sha256: string;
}

/** Path -> visibility and hash, for every function and asset of the Build but the manifest itself. */
export type Manifest = Readonly<Record<string, ManifestEntry>>;

export function sha256Of(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * The manifest's code: a handler (every Function needs one; it is private, so Twilio never routes a request to it)
 * and the entries as one line of JSON that `parseManifest` reads back.
 * @example manifestSource({ '/token': { visibility: 'public', sha256: 'ab…' } })
 */
export function manifestSource(manifest: Manifest): string {
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
  return [
    '// Written by `npm run deploy`: the sha256 of every file of this Build, read back by the next deploy to plan it.',
    `${MARKER}${JSON.stringify(sorted)};`,
    'exports.handler = (context, event, callback) => callback(null, {});',
    '',
  ].join('\n');
}

/** The entries of a manifest's code, or undefined when it is not one this deploy wrote. */
export function parseManifest(source: string): Manifest | undefined {
  const line = source.split('\n').find((candidate) => candidate.startsWith(MARKER));
  if (!line) return undefined;
  try {
    const parsed = JSON.parse(line.slice(MARKER.length).replace(/;\s*$/, '')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed as Record<string, unknown>).filter(
      (entry): entry is [string, ManifestEntry] =>
        typeof (entry[1] as ManifestEntry)?.sha256 === 'string' && typeof (entry[1] as ManifestEntry)?.visibility === 'string',
    );
    return Object.fromEntries(entries);
  } catch {
    return undefined;
  }
}
