/**
 * The settings registry is the one list of settings: every setting declares what it does to access, the service's
 * reader reads exactly the declared settings, and .env.example and the docs' tables name exactly them.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, parseConfig } from '../../src/lib/config/service-config';
import { SETTINGS } from '../../src/lib/config/settings-registry';
import { SAMPLES, settingsAccessTable, SETTINGS_TABLE_PAGE, withSettingsTable } from '../../src/cli/settings-table';

const root = join(__dirname, '..', '..');
const DIRECTIONS = ['narrows', 'widens', 'both', 'none'];

describe('every setting declares what it does to access', () => {
  it.each(SETTINGS.map((setting) => [setting.name, setting] as const))(
    '%s: adding, removing and changing it each have an effect and words',
    (_, setting) => {
      expect(typeof setting.access).toBe('function');
      const [a, b] = SAMPLES[setting.kind];
      for (const [before, after] of [
        [undefined, a],
        [a, undefined],
        [a, b],
      ] as const) {
        const effect = setting.access(before, after);
        expect(DIRECTIONS).toContain(effect.direction);
        expect(effect.words.length).toBeGreaterThan(3);
        // Words, never the value.
        for (const value of [a, b]) if (value.length > 3) expect(effect.words).not.toContain(value);
      }
      expect(setting.description.length).toBeGreaterThan(10);
      expect(setting.format.length).toBeGreaterThan(3);
    },
  );

  it('fails for a setting without an access declaration (what the table above would catch)', () => {
    const names = SETTINGS.map((setting) => setting.name);
    expect(new Set(names).size).toBe(names.length);
    const undeclared = SETTINGS.filter((setting) => typeof (setting as { access?: unknown }).access !== 'function');
    expect(undeclared).toEqual([]);
  });

  it('says a shorter maximum lifetime narrows, a longer one widens, and a removed policy widens', () => {
    const byName = new Map(SETTINGS.map((setting) => [setting.name, setting]));
    expect(byName.get('TOKEN_MAX_TTL')!.access('3600', '900').direction).toBe('narrows');
    expect(byName.get('TOKEN_MAX_TTL')!.access('900', undefined).direction).toBe('widens'); // back to the 3600 default
    expect(byName.get('AUTH_SHARED_SECRETS')!.access('s1,s2', 's1')).toEqual({ direction: 'narrows', words: '1 secret revoked' });
    expect(byName.get('AUTH_SHARED_SECRETS')!.access('s1,s2', 's2,s3').direction).toBe('both');
    expect(byName.get('AUTH_BASIC_USERS')!.access('ann:h1', 'ann:h2')).toEqual({ direction: 'both', words: '1 user with a new password' });
    expect(byName.get('TOKEN_POLICY')!.access('{}', undefined)).toEqual({
      direction: 'widens',
      words: "the policy's limits stop applying",
    });
    expect(byName.get('TOKEN_GRANTS')!.access(undefined, 'video').direction).toBe('none'); // the default, written out
  });
});

describe('everything that lists settings derives from the registry', () => {
  it('the service reads exactly the settings the registry says it reads', () => {
    const read = new Set<string>();
    const recording = new Proxy({} as Record<string, unknown>, {
      get: (_, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    parseConfig(recording);
    expect([...read].sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(CONFIG_VARIABLES).toEqual(SETTINGS.filter((setting) => setting.readBy !== 'deploy').map((setting) => setting.name));
  });

  it('.env.example documents exactly the settings a user sets, with the registry’s description, format and required', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const blocks = [...example.matchAll(/# description: (.+)\n# format: (.+)\n# required: (.+)\n([A-Za-z_]+)=/g)].map((match) => ({
      name: match[4],
      description: match[1],
      format: match[2],
      required: match[3],
    }));
    const names = [...example.matchAll(/^([A-Za-z_]+)=/gm)].map((match) => match[1]);
    expect(names).toEqual(blocks.map((block) => block.name));
    const userSet = SETTINGS.filter((setting) => setting.readBy !== 'platform');
    expect(blocks).toEqual(userSet.map(({ name, description, format, required }) => ({ name, description, format, required })));
  });

  it('the configuration table (README.md or a page of docs/ other than the generated one) has a row for every setting a user sets', () => {
    const pages = [
      join(root, 'README.md'),
      ...readdirSync(join(root, 'docs'))
        .filter((name) => name.endsWith('.md') && `docs/${name}` !== SETTINGS_TABLE_PAGE)
        .map((name) => join(root, 'docs', name)),
    ];
    const text = pages.map((page) => readFileSync(page, 'utf8')).join('\n');
    const missing = SETTINGS.filter((setting) => setting.readBy !== 'platform').filter(
      (setting) => !new RegExp(`^\\| [^|\\n]*\`${setting.name}\``, 'm').test(text),
    );
    expect(missing.map((setting) => setting.name)).toEqual([]);
  });

  it(`${SETTINGS_TABLE_PAGE}'s table of access effects is the one the registry generates (npm run docs:settings writes it)`, () => {
    const page = readFileSync(join(root, SETTINGS_TABLE_PAGE), 'utf8');
    expect(withSettingsTable(page, settingsAccessTable())).toBe(page);
    expect(settingsAccessTable()).toHaveLength(2 + SETTINGS.length - 1);
  });
});
