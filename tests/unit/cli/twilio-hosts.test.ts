/** regionalHost: the REST host a key is checked and managed on, from its region and an edge. */
import { HostLocationError, regionalHost } from '../../../src/cli/twilio-hosts';

describe('regionalHost', () => {
  it.each([
    [{}, 'api.twilio.com'],
    [{ region: 'us1' }, 'api.twilio.com'],
    [{ region: 'us1', edge: 'ashburn' }, 'api.ashburn.us1.twilio.com'],
    [{ region: 'ie1' }, 'api.dublin.ie1.twilio.com'],
    [{ region: 'au1' }, 'api.sydney.au1.twilio.com'],
    [{ region: 'ie1', edge: 'frankfurt' }, 'api.frankfurt.ie1.twilio.com'],
    [{ region: ' ie1 ', edge: ' ' }, 'api.dublin.ie1.twilio.com'],
  ])('%j -> %s', (location, host) => {
    expect(regionalHost('api', location)).toBe(host);
  });

  it('never names the retired api.{region}.twilio.com hosts', () => {
    for (const region of ['ie1', 'au1', 'br1', 'de1', 'jp1', 'sg1'])
      expect(regionalHost('api', { region })).not.toBe(`api.${region}.twilio.com`);
  });

  it('names IAM on the same edge and region', () => {
    expect(regionalHost('iam', { region: 'ie1' })).toBe('iam.dublin.ie1.twilio.com');
    expect(regionalHost('iam', {})).toBe('iam.twilio.com');
  });

  it.each([
    [{ region: 'xx9' }, 'TWILIO_EDGE', /no default edge is known for region xx9/],
    [{ region: 'IE1' }, 'TWILIO_REGION', /must be a Twilio region code/],
    [{ region: 'ie1', edge: 'dublin.evil.example' }, 'TWILIO_EDGE', /must be a Twilio edge ID/],
    [{ edge: 'Dublin' }, 'TWILIO_EDGE', /must be a Twilio edge ID/],
  ])('refuses %j, naming %s and the fix', (location, variable, message) => {
    let thrown: unknown;
    try {
      regionalHost('api', location);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HostLocationError);
    expect(thrown).toMatchObject({ variable, message: expect.stringMatching(message), fix: expect.stringContaining('TWILIO_') });
  });
});
