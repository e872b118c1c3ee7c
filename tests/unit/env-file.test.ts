/** The doctor's .env parser reads files the way twilio-run's dotenv 6 does. */
import { parseEnvFile } from '../../src/lib/env-file';

describe('parseEnvFile', () => {
  it('reads KEY=value lines and skips comments and blank lines', () => {
    expect(parseEnvFile('# a comment\nA=1\n\n  B = two words  \n#C=3\n')).toEqual({ A: '1', B: 'two words' });
  });

  it('has no inline comments: the rest of the line is the value', () => {
    expect(parseEnvFile('TOKEN_TTL=600 # ten minutes')).toEqual({ TOKEN_TTL: '600 # ten minutes' });
  });

  it('strips one pair of quotes, and turns \\n into newlines only inside double quotes', () => {
    expect(parseEnvFile(`A="x y"\nB='x y'\nC="a\\nb"\nD='a\\nb'`)).toEqual({ A: 'x y', B: 'x y', C: 'a\nb', D: 'a\\nb' });
  });

  it('keeps JSON values intact (TOKEN_POLICY on one line)', () => {
    const policy = '{"rules":[{"match":{"role":"teacher"},"rooms":["class-*"]}],"default":"deny"}';
    expect(parseEnvFile(`TOKEN_POLICY=${policy}`)).toEqual({ TOKEN_POLICY: policy });
  });

  it('handles CRLF files, empty values, and lets a later line win', () => {
    expect(parseEnvFile('A=1\r\nB=\r\nA=2\r\n')).toEqual({ A: '2', B: '' });
  });

  it('ignores lines that are not assignments', () => {
    expect(parseEnvFile('export A=1\nnot an assignment\n=nokey\nB.C-D=ok')).toEqual({ 'B.C-D': 'ok' });
  });

  it('agrees with twilio-run’s own dotenv on a mixed file', () => {
    // The dotenv that twilio-run itself resolves, whatever npm hoists.
    const dotenvPath = require.resolve('dotenv', { paths: [require.resolve('twilio-run')] });
    const dotenv = require(dotenvPath) as { parse(text: string): Record<string, string> };
    const text = 'A=1\n# c\nB="q\\nr"\nC=\'s\'\nD= spaced \nE=x # y\nF="unbalanced\nG=\r\n';
    expect(parseEnvFile(text)).toEqual(dotenv.parse(text));
  });
});
