/** decideRotation: what npm run rotate-key does next, from the live key SID, this checkout's, and the account's keys. */
import { randomBytes } from 'node:crypto';
import { decideRotation, rotationKeyName, serviceLabel } from '../../../src/cli/rotate-key-plan';

const sid = () => `SK${randomBytes(16).toString('hex')}`;
const label = serviceLabel('tokens', 'dev');
const plain = (keySid: string) => ({ sid: keySid, friendlyName: 'made in the Console' });
const madeFor = (keySid: string, replaced: string, forLabel = label) => ({
  sid: keySid,
  friendlyName: rotationKeyName(forLabel, '2026-12-07', replaced),
});

describe('key names', () => {
  it('name the service, environment, date and the replaced key, within Twilio’s 64 characters', () => {
    const old = sid();
    expect(rotationKeyName(label, '2026-12-07', old)).toBe(`tokens/dev 2026-12-07 replaces ${old.slice(0, 14)}`);
    const long = serviceLabel('a-very-long-service-name-that-goes-on-and-on', 'staging');
    expect(rotationKeyName(long, '2026-12-07', old).length).toBeLessThanOrEqual(64);
    expect(serviceLabel('tokens', '')).toBe('tokens/production');
  });
});

describe('decideRotation', () => {
  const live = sid();

  it('rotates the live key when this checkout names it, and lists the keys cut runs made to replace it', () => {
    const stale = madeFor(sid(), live);
    const otherService = madeFor(sid(), live, serviceLabel('other', 'dev'));
    const step = decideRotation({ label, configuredSid: live, liveSid: live, keys: [plain(live), stale, otherService, plain(sid())] });
    expect(step).toEqual({ kind: 'rotate', oldSid: live, stale: [stale] });
  });

  it('finishes a rotation whose key is live while the replaced one still exists (checkout updated or not)', () => {
    const fresh = madeFor(sid(), live);
    for (const configuredSid of [fresh.sid, live]) {
      expect(decideRotation({ label, configuredSid, liveSid: fresh.sid, keys: [plain(live), fresh] })).toEqual({
        kind: 'finish',
        key: fresh,
        oldSid: live,
      });
    }
  });

  it('rotates again once the replaced key is gone: the live key is replaced', () => {
    const fresh = madeFor(sid(), live);
    expect(decideRotation({ label, configuredSid: fresh.sid, liveSid: fresh.sid, keys: [fresh] })).toEqual({
      kind: 'rotate',
      oldSid: fresh.sid,
      stale: [],
    });
  });

  it('resumes when the live SID is missing (cut between the secret and the SID), with this checkout’s key as the old one', () => {
    const made = madeFor(sid(), live);
    expect(decideRotation({ label, configuredSid: live, liveSid: undefined, keys: [plain(live), made] })).toEqual({
      kind: 'resume',
      oldSid: live,
      candidates: [made],
    });
  });

  it('refuses a checkout key the account does not have, a live key it does not have, and a checkout that names another key than the live one', () => {
    const other = sid();
    const refused = (step: ReturnType<typeof decideRotation>) => (step.kind === 'refused' ? step.message : undefined);
    expect(refused(decideRotation({ label, configuredSid: other, liveSid: undefined, keys: [plain(live)] }))).toMatch(
      /is no key of this account/,
    );
    expect(refused(decideRotation({ label, configuredSid: live, liveSid: live, keys: [] }))).toMatch(
      /the key the live service signs with, is no key/,
    );
    expect(refused(decideRotation({ label, configuredSid: other, liveSid: live, keys: [plain(live), plain(other)] }))).toMatch(
      /is not the key the live service signs with/,
    );
    expect(refused(decideRotation({ label, configuredSid: other, liveSid: live, keys: [plain(live)] }))).toMatch(
      /is no key of the account \(a rotation deleted it\?\)/,
    );
  });
});
