/** The deploy journal's report: a step Twilio refused (4xx) is "refused, not applied", never "unknown (sent, no answer)". */
import { describe, expect, it } from '@jest/globals';
import { DeployJournal } from '../../../src/cli/deploy/journal';
import { TwilioRequestError } from '../../../src/cli/deploy/serverless';

async function journalAfter(failure: Error): Promise<string[]> {
  const journal = new DeployJournal();
  journal.plan('upload 3 files');
  journal.plan('build them');
  journal.plan('activate the new build');
  await journal.run('upload 3 files', async () => 'done');
  await expect(journal.run('build them', () => Promise.reject(failure))).rejects.toBe(failure);
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
