/** Placeholder credentials: recognised in the shapes people paste, never in real SIDs and secrets, named and never echoed. */
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { looksLikePlaceholder } from '../../src/lib/base/placeholders';
import { placeholderSettings } from '../../src/lib/config/placeholder-settings';
import { parseConfig } from '../../src/lib/config/service-config';
import { environmentFor, newCredentials, newSid } from '../helpers/fixtures';

describe('looksLikePlaceholder', () => {
  it.each([
    ['the SIDs npm start writes', `AC${'0'.repeat(32)}`],
    ['a SID of x', `AC${'x'.repeat(32)}`],
    ['a short SID of x', 'ACxxxxxxxx'],
    ['a SID of upper-case X', `SK${'X'.repeat(32)}`],
    ['a secret in words', 'your_api_key_secret_goes_here_xxxxxxxx'],
    ['a secret in words without x', 'your_api_key_secret'],
    ['an instruction ending in _here', 'paste_the_secret_here'],
    ['angle brackets', '<your API key secret>'],
    ['a template', '{{TWILIO_API_KEY_SECRET}}'],
    ['changeme', 'changeme'],
    ['an elided SID', 'AC…'],
    ['three dots', 'SK...'],
    ['x alone', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'],
  ])('recognises %s', (_what, value) => {
    expect(looksLikePlaceholder(value)).toBe(true);
  });

  it('never takes 2,000 real-shaped SIDs and secrets for placeholders', () => {
    for (let i = 0; i < 500; i++) {
      for (const value of [newSid('AC'), newSid('SK'), randomBytes(24).toString('base64url'), randomBytes(16).toString('hex')]) {
        expect({ value, placeholder: looksLikePlaceholder(value) }).toEqual({ value, placeholder: false });
      }
    }
  });

  it('is false for empty and blank values (those are "not set", a different problem)', () => {
    expect(looksLikePlaceholder('')).toBe(false);
    expect(looksLikePlaceholder('   ')).toBe(false);
  });
});

describe('placeholderSettings', () => {
  it('names the SID and secret settings that hold placeholders, in settings order, and nothing else', async () => {
    const env = await environmentFor(newCredentials([]), {
      TWILIO_API_KEY_SECRET: 'your_api_key_secret_goes_here_xxxxxxxx',
      TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
      SYNC_SERVICE_SID: `IS${'0'.repeat(32)}`,
      VIDEO_ROOM: 'xxxxxxxxxx',
    });
    expect(placeholderSettings(env)).toEqual(['TWILIO_ACCOUNT_SID', 'TWILIO_API_KEY_SECRET', 'SYNC_SERVICE_SID']);
  });

  it('is empty for real-shaped credentials', async () => {
    expect(placeholderSettings(await environmentFor(newCredentials(['alice'])))).toEqual([]);
  });
});

describe('SID problems say what a SID is made of', () => {
  it('ACxxxx… (34 characters, so "34 characters" did not help) is called a placeholder and AC followed by 32 hexadecimal digits', async () => {
    const env = await environmentFor(newCredentials([]), { TWILIO_ACCOUNT_SID: `AC${'x'.repeat(32)}` });
    const result = parseConfig(env);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      {
        variable: 'TWILIO_ACCOUNT_SID',
        message: 'TWILIO_ACCOUNT_SID is a placeholder, not a real SID: it must be AC followed by 32 hexadecimal digits (0-9, a-f)',
        fix: 'copy your Account SID from the Twilio Console',
      },
    ]);
  });

  it('a malformed real-looking SID gets the form without the word placeholder', async () => {
    const env = await environmentFor(newCredentials([]), { TWILIO_API_KEY_SID: `SK${'g'.repeat(31)}1` });
    const result = parseConfig(env);
    expect(result.ok ? [] : result.problems.map((problem) => problem.message)).toEqual([
      'TWILIO_API_KEY_SID must be SK followed by 32 hexadecimal digits (0-9, a-f)',
    ]);
  });
});
