/** Near misses of a setting's name are problems; other unknown names are the user's own. Driven by CONFIG_VARIABLES alone. */
import { CONFIG_VARIABLES } from '../../src/lib/config/service-config';
import { classifyNames, editDistance, misspelledSettingProblems } from '../../src/cli/project/setting-names';

describe('classifyNames', () => {
  it('takes singular/plural, case, separators and up to two edits for near misses, naming the setting meant', () => {
    expect(
      classifyNames([
        'ALLOWED_ORIGIN',
        'allowed_origins',
        'TOKEN-GRANTS',
        'TOKEN_TLL',
        'AUTH_SHARED_SECERTS',
        'OIDC_ALGORITHM',
        'VIDEO_ROM',
      ]).misspelled,
    ).toEqual([
      { name: 'ALLOWED_ORIGIN', settings: ['ALLOWED_ORIGINS'] },
      { name: 'allowed_origins', settings: ['ALLOWED_ORIGINS'] },
      { name: 'TOKEN-GRANTS', settings: ['TOKEN_GRANTS'] },
      { name: 'TOKEN_TLL', settings: ['TOKEN_TTL'] },
      { name: 'AUTH_SHARED_SECERTS', settings: ['AUTH_SHARED_SECRETS'] },
      { name: 'OIDC_ALGORITHM', settings: ['OIDC_ALGORITHMS'] },
      { name: 'VIDEO_ROM', settings: ['VIDEO_ROOM'] },
    ]);
  });

  it('leaves names three edits or more from every setting as unread, not misspelled', () => {
    expect(classifyNames(['MY_NOTE', 'TOKEN_TTL_XYZ', 'NODE_ENV', 'PORT'])).toEqual({
      misspelled: [],
      unread: ['MY_NOTE', 'TOKEN_TTL_XYZ', 'NODE_ENV', 'PORT'],
    });
  });

  it('never takes a setting, or a name twilio-run or the Twilio CLI reads, for a misspelling', () => {
    const names = [...CONFIG_VARIABLES, 'ACCOUNT_SID', 'AUTH_TOKEN', 'TWILIO_AUTH_TOKEN', 'TWILIO_API_KEY', 'TWILIO_API_SECRET'];
    expect(classifyNames(names)).toEqual({ misspelled: [], unread: [] });
  });

  it('catches a misspelling of every setting, including ones added to CONFIG_VARIABLES later', () => {
    for (const setting of CONFIG_VARIABLES) {
      const dropped = setting.slice(0, 3) + setting.slice(4); // one letter missing
      expect(classifyNames([dropped]).misspelled.map((entry) => entry.name)).toEqual([dropped]);
    }
    // A setting no release has yet: adding it to the list is all it takes.
    const later = [...CONFIG_VARIABLES, 'FLEX_PLUGIN_SERVICE_SID'];
    expect(classifyNames(['FLEX_PLUGIN_SERVICE_SIDS'], later).misspelled).toEqual([
      { name: 'FLEX_PLUGIN_SERVICE_SIDS', settings: ['FLEX_PLUGIN_SERVICE_SID'] },
    ]);
    expect(classifyNames(['FLEX_PLUGIN_SERVICE_SID'], later)).toEqual({ misspelled: [], unread: [] });
  });

  it('names every setting at the same distance when there is a tie', () => {
    expect(classifyNames(['A_B'], ['A_C', 'A_D', 'XYZ_LONG']).misspelled).toEqual([{ name: 'A_B', settings: ['A_C', 'A_D'] }]);
  });
});

describe('editDistance', () => {
  it.each([
    ['ORIGIN', 'ORIGIN', 0],
    ['ORIGIN', 'ORIGINS', 1],
    ['SECRETS', 'SECERTS', 1],
    ['TTL', 'TLT', 1],
    ['ROOM', 'RM', 2],
    ['ABC', 'XYZ', 3],
  ])('%s to %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});

describe('misspelledSettingProblems', () => {
  it('says what the name is not and what was meant, in the words of the issue', () => {
    expect(misspelledSettingProblems(['ALLOWED_ORIGIN', 'MY_NOTE'])).toEqual([
      {
        variable: 'ALLOWED_ORIGIN',
        message: 'ALLOWED_ORIGIN is not a setting; did you mean ALLOWED_ORIGINS?',
        fix: 'rename ALLOWED_ORIGIN to ALLOWED_ORIGINS (this service reads no ALLOWED_ORIGIN, so the setting you meant is not set)',
      },
    ]);
  });
});
