/**
 * Bundles the small SDK pages in tests/e2e/sdk-pages with esbuild, each with its real SDK package from node_modules,
 * into browser ES modules held in memory (nothing is written). `/token-client.js` stays an import: the service
 * serves it, as it serves it to apps.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { findProjectRoot } from './twilio-run-server';

export const SDK_PAGES = ['video', 'voice', 'conversations', 'sync', 'taskrouter'] as const;
export type SdkPage = (typeof SDK_PAGES)[number];

const pagesDir = join(findProjectRoot(__dirname), 'tests', 'e2e', 'sdk-pages');

/** The JavaScript of each page, by name. */
export async function bundleSdkPages(): Promise<Record<SdkPage, string>> {
  const result = await build({
    entryPoints: Object.fromEntries(SDK_PAGES.map((name) => [name, join(pagesDir, `${name}.ts`)])),
    bundle: true,
    write: false,
    outdir: '/sdk',
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external: ['/token-client.js'],
    // Some SDK builds still name Node's globals.
    define: { global: 'globalThis', 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
    legalComments: 'none',
  });
  const pages = {} as Record<SdkPage, string>;
  for (const file of result.outputFiles) {
    const name = SDK_PAGES.find((page) => file.path === `/sdk/${page}.js`);
    if (name) pages[name] = file.text;
  }
  for (const name of SDK_PAGES) if (pages[name] === undefined) throw new Error(`esbuild made no bundle for ${name}`);
  return pages;
}
