/** The deploy journal's report: a step Twilio refused (4xx) is "refused, not applied", never "unknown (sent, no answer)". */
import { describe, expect, it } from '@jest/globals';
import { DeployJournal } from '../../../src/cli/deploy/journal';
import { TwilioRequestError } from '../../../src/cli/deploy/serverless';

async function journalAfter(failure: Error): Promise<string[]> {
  const journal = new DeployJournal([
    { label: 'upload 3 files', run: async () => undefined },
    { label: 'build them', run: () => Promise.reject(failure) },
    { label: 'activate the new build', run: async () => undefined },
  ]);
  await expect(journal.runAll()).rejects.toBe(failure);
  return journal.report();
}

describe('DeployJournal.report', () => {
  it('lists a step Twilio answered with 400 as refused and not applied', async () => {
    const refusal = new TwilioRequestError({ operation: 'POST Builds', status: 400, code: 20001, detail: 'Invalid runtime' });
    expect(await journalAfter(refusal)).toEqual([
      '  applied:',
      '    upload 3 files',
      '  refused by Twilio (not applied):',
      '    build them',
      '  not applied:',
      '    activate the new build',
    ]);
  });

  it.each([
    ['no answer (a cut connection)', 0],
    ['a server error', 503],
  ])('lists a step that got %s as unknown', async (_what, status) => {
    const lines = await journalAfter(new TwilioRequestError({ operation: 'POST Builds', status, detail: 'x' }));
    expect(lines.slice(2, 4)).toEqual(['  unknown (sent, no answer; the next deploy reads what is live):', '    build them']);
  });
});

describe('DeployJournal runs exactly the steps it was given', () => {
  it('runs them once each, in their order, and stops at the first failure', async () => {
    const ran: string[] = [];
    const step = (label: string, fail = false) => ({
      label,
      run: async () => {
        ran.push(label);
        if (fail) throw new TwilioRequestError({ operation: label, status: 0, detail: 'cut' });
      },
    });
    const journal = new DeployJournal([step('first'), step('second', true), step('third')]);
    expect(journal.started).toBe(false);
    await expect(journal.runAll()).rejects.toThrow('cut');
    expect(ran).toEqual(['first', 'second']);
    expect(journal.started).toBe(true);
    expect(journal.finished).toBe(false);
  });

  it('refuses to run its steps a second time (they would be sent twice)', async () => {
    const ran: string[] = [];
    const journal = new DeployJournal([{ label: 'only', run: async () => void ran.push('only') }]);
    await journal.runAll();
    expect(journal.finished).toBe(true);
    await expect(journal.runAll()).rejects.toThrow(/already run its steps/);
    expect(ran).toEqual(['only']);
  });

  it('has no way to run a step by label or one it was not given', () => {
    const journal = new DeployJournal([]);
    // @ts-expect-error: the journal runs only the list it was made with (no run(label, action) to add a step quietly)
    expect(() => journal.run('set variable X', async () => undefined)).toThrow(TypeError);
    // @ts-expect-error: nor can a step be listed after it was made
    expect(() => journal.plan('set variable X')).toThrow(TypeError);
  });
});
