/** The one .env parser (doctor, npm start, deploy checks) reads files the way twilio-run's dotenv 6 does, and names the lines it cannot read. */
import { envFileProblems, parseEnvFile, readEnvFile } from '../../src/cli/project/env-file';

/** The dotenv that twilio-run itself resolves, whatever npm hoists. */
const dotenv = require(require.resolve('dotenv', { paths: [require.resolve('twilio-run')] })) as {
  parse(text: string): Record<string, string>;
};

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
    const text = 'A=1\n# c\nB="q\\nr"\nC=\'s\'\nD= spaced \nE=x # y\nF="unbalanced\nG=\r\n';
    expect(parseEnvFile(text)).toEqual(dotenv.parse(text));
  });

  it('agrees with dotenv 6 on the lines it cannot read, too', () => {
    const text = 'export A=1\nB=x\u2028y\nC=x\u2029y\nD=x\ry\nE\n=f\nG H=1\nI=\u2028edge\u2028\nJ=a # b\nK={"a":"b #c"}\n';
    expect(parseEnvFile(text)).toEqual(dotenv.parse(text));
  });
});

describe('readEnvFile: the lines dotenv 6 skips or misreads', () => {
  const reasons = (text: string) => readEnvFile(text).problems.map(({ line, reason, key }) => ({ line, reason, ...(key && { key }) }));

  it('finds nothing wrong in comments, blank lines, CRLF endings and quoted values', () => {
    expect(reasons('# c\n\n  \nA=1\r\nB="x # y"\nC=\'#\'\nD=a#b\nE=\n')).toEqual([]);
  });

  it('an export prefix: dotenv skips the line, so the variable is not set', () => {
    expect(dotenv.parse('export AUTH_SHARED_SECRETS=x')).toEqual({});
    expect(reasons('A=1\nexport AUTH_SHARED_SECRETS=x')).toEqual([{ line: 2, reason: 'export-prefix', key: 'AUTH_SHARED_SECRETS' }]);
  });

  it('a line separator (U+2028, U+2029) or a lone carriage return inside a value: dotenv skips the line', () => {
    const text = 'TOKEN_POLICY={"rules":[]\u2028}\nVIDEO_ROOM=a\u2029b\nTOKEN_TTL=6\r00\n';
    expect(dotenv.parse(text)).toEqual({});
    expect(readEnvFile(text).problems).toEqual([
      { line: 1, reason: 'line-separator', key: 'TOKEN_POLICY', detail: 'a line separator (U+2028)' },
      { line: 2, reason: 'line-separator', key: 'VIDEO_ROOM', detail: 'a paragraph separator (U+2029)' },
      { line: 3, reason: 'line-separator', key: 'TOKEN_TTL', detail: 'a carriage return (U+000D)' },
    ]);
  });

  it('a separator at either end of a value is trimmed by dotenv, and is no problem', () => {
    expect(dotenv.parse('A=\u2028x\u2028')).toEqual({ A: 'x' });
    expect(reasons('A=\u2028x\u2028')).toEqual([]);
  });

  it('an inline comment: dotenv keeps it in the value', () => {
    expect(dotenv.parse('TOKEN_TTL=600 # ten minutes')).toEqual({ TOKEN_TTL: '600 # ten minutes' });
    expect(reasons('TOKEN_TTL=600 # ten minutes\nA="x" # quoted, then a comment\nP={"rooms":["room #1"]} # the policy')).toEqual([
      { line: 1, reason: 'inline-comment', key: 'TOKEN_TTL' },
      { line: 2, reason: 'inline-comment', key: 'A' },
      { line: 3, reason: 'inline-comment', key: 'P' },
    ]);
    expect(reasons('P={"rooms":["room #1"]}')).toEqual([]);
  });

  it('a line without "=", and one whose name dotenv does not read', () => {
    expect(reasons('TOKEN_GRANTS video\n=value\nMY KEY=1\n"A"=1')).toEqual([
      { line: 1, reason: 'no-equals' },
      { line: 2, reason: 'bad-name' },
      { line: 3, reason: 'bad-name' },
      { line: 4, reason: 'bad-name' },
    ]);
  });

  it('a value spread over lines: the continuation names the line it seems to continue', () => {
    expect(readEnvFile('A=1\nTOKEN_POLICY="{\n  rules: []\n}"').problems).toEqual([
      { line: 3, reason: 'no-equals', continues: 2 },
      { line: 4, reason: 'no-equals' },
    ]);
  });

  it('lists the keys set on more than one line', () => {
    expect(readEnvFile('A=1\nB=2\nA=\n').repeated).toEqual([{ key: 'A', lines: [1, 3] }]);
  });

  it('turns each into a problem naming the file, the line, the variable and the fix, never the value', () => {
    const problems = envFileProblems(readEnvFile('export AUTH_SHARED_SECRETS=s3cr3t-value\nTOKEN_TTL=600 # s3cr3t-note'), '.env.ci');
    expect(problems).toEqual([
      {
        variable: '.env.ci line 1',
        message: 'AUTH_SHARED_SECRETS starts with "export "; twilio-run (dotenv 6) skips the whole line, so AUTH_SHARED_SECRETS is not set',
        fix: 'remove "export " from the start of line 1',
      },
      {
        variable: '.env.ci line 2',
        message: expect.stringMatching(/^TOKEN_TTL's value has what looks like an inline comment/),
        fix: expect.any(String),
      },
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/s3cr3t/);
  });
});
