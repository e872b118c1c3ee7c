/** The signing-key check's verdict on Twilio's answer: each message says what happened, never "failed with HTTP 200". */
import { describe, expect, it } from '@jest/globals';
import { judgeKeyCheckAnswer } from '../../../src/cli/deploy/key-check';
import { newSid } from '../../helpers/fixtures';

const account = newSid('AC');
const judge = (status: number, body: unknown) =>
  judgeKeyCheckAnswer({ status, text: typeof body === 'string' ? body : JSON.stringify(body) }, account, 'deploy again');

describe('judgeKeyCheckAnswer', () => {
  it("accepts the account's own Balance", () => {
    expect(judge(200, { account_sid: account, balance: '1.00' })).toEqual({ ok: true });
  });

  it('a 200 that is not Twilio JSON says it was not Twilio answering, not "answered with HTTP 200"', () => {
    const check = judge(200, '<html>Sign in to the Wi-Fi</html>');
    expect(check).toEqual({
      ok: false,
      message: expect.stringMatching(/got HTTP 200 but not Twilio's answer .*could not be confirmed/),
      fix: 'check HTTP_PROXY and the network, then deploy again',
    });
    expect(check.ok || check.message).not.toMatch(/answered the signing-key check with HTTP 200/);
  });

  it("a 200 with another account's Balance says so", () => {
    const check = judge(200, { account_sid: newSid('AC') });
    expect(check.ok || check.message).toMatch(/^the signing-key check got the Balance of another account than AC/);
  });

  it("a refusal names Twilio's error code and the Console page for keys", () => {
    const check = judge(401, { code: 20003 });
    expect(check.ok || check.message).toMatch(
      /^Twilio refused TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET for account AC\w+ \(error 20003\)/,
    );
    expect(check.ok || check.fix).toMatch(/API keys & tokens/);
  });

  it('another status (400) is reported with its error code and the retry the caller names', () => {
    const check = judgeKeyCheckAnswer({ status: 400, text: '{"code":20001}' }, account, 'npm run doctor -- --online again');
    expect(check).toEqual({
      ok: false,
      message: 'Twilio answered the signing-key check with HTTP 400 (error 20001), so the key could not be confirmed',
      fix: 'npm run doctor -- --online again; if it persists, check https://status.twilio.com',
    });
  });
});
