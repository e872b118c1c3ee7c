/** regionalHost: the REST host a key is checked and managed on, from its region and an edge. */
import twilio from 'twilio';
import { clientLocation, HostLocationError, regionalHost } from '../../../src/cli/twilio/hosts';

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

describe('clientLocation: twilio-node asks the hosts regionalHost names, for every product', () => {
  /** The host twilio-node's own rule (BaseTwilio.getHostname) makes of a product's default host with these options. */
  function hostAsked(location: Parameters<typeof clientLocation>[0], product: string): string {
    const client = twilio(`AC${'0'.repeat(32)}`, 'token', clientLocation(location));
    return client.getHostname(`${product}.twilio.com`, client.edge, client.region);
  }

  it.each([
    [{}, 'sync.twilio.com'],
    [{ region: 'us1' }, 'sync.twilio.com'],
    [{ region: 'us1', edge: 'ashburn' }, 'sync.ashburn.us1.twilio.com'],
    [{ region: 'ie1' }, 'sync.dublin.ie1.twilio.com'],
    [{ region: 'ie1', edge: 'frankfurt' }, 'sync.frankfurt.ie1.twilio.com'],
  ])('%j -> %s', (location, host) => {
    expect(hostAsked(location, 'sync')).toBe(host);
    expect(hostAsked(location, 'video')).toBe(host.replace(/^sync/, 'video'));
  });

  it("the project's region decides, not the shell's TWILIO_REGION or twilio-node's own reading of it", () => {
    const saved = process.env['TWILIO_REGION'];
    process.env['TWILIO_REGION'] = 'au1';
    try {
      expect(hostAsked({}, 'sync')).toBe('sync.twilio.com');
      expect(hostAsked({ region: 'ie1' }, 'conversations')).toBe('conversations.dublin.ie1.twilio.com');
    } finally {
      if (saved === undefined) delete process.env['TWILIO_REGION'];
      else process.env['TWILIO_REGION'] = saved;
    }
  });

  it('refuses what regionalHost refuses', () => {
    expect(() => clientLocation({ region: 'ie1', edge: 'Dublin 2' })).toThrow(HostLocationError);
  });
});
