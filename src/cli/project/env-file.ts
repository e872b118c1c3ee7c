/**
 * Reads a .env file exactly as twilio-run does (dotenv 6), and says which lines it cannot read as meant,
 * so that a line twilio-run skips or misreads is a problem with its line number rather than a missing setting.
 */
import type { Problem } from '../../lib/base/problems';

/** dotenv 6's line rule, verbatim: `KEY=value` with keys of letters, digits, `_`, `.`, `-`. */
const DOTENV_LINE = /^\s*([\w.-]+)\s*=\s*(.*)?\s*$/;
/** Characters that end a line for JavaScript's `.` (dotenv splits on `\n` only): inside a value they make the line unreadable. */
const LINE_SEPARATORS: Readonly<Record<string, string>> = {
  '\r': 'a carriage return (U+000D)',
  '\u2028': 'a line separator (U+2028)',
  '\u2029': 'a paragraph separator (U+2029)',
};

/** Why a line is not read as written. */
type EnvLineReason = 'export-prefix' | 'no-equals' | 'bad-name' | 'line-separator' | 'inline-comment';

interface EnvLineProblem {
  /** 1-based, as editors count. */
  readonly line: number;
  readonly reason: EnvLineReason;
  /** The variable the line meant to set, when that can be told. */
  readonly key?: string;
  /** For `line-separator`: which character. For `no-equals`: the line whose quoted value it seems to continue. */
  readonly detail?: string;
  readonly continues?: number;
}

export interface EnvFileReading {
  /** What twilio-run reads: dotenv 6's result, byte for byte. */
  readonly values: Record<string, string>;
  /** Lines skipped or misread, in file order. */
  readonly problems: readonly EnvLineProblem[];
  /** Keys set on more than one line (the last wins), with those line numbers. */
  readonly repeated: ReadonlyArray<{ readonly key: string; readonly lines: readonly number[] }>;
}

/**
 * dotenv 6 rules: one `KEY=value` per line; lines that do not match are ignored (`#` comments included); a
 * value in double quotes has `\n` turned into newlines; one leading and one trailing quote (either kind) are
 * removed, then spaces trimmed. No inline comments: `A=b # c` is the value `b # c`. A later line wins.
 * @example readEnvFile('A=1\nexport B=2').problems // [{ line: 2, reason: 'export-prefix', key: 'B' }]
 */
export function readEnvFile(text: string): EnvFileReading {
  const values: Record<string, string> = {};
  const problems: EnvLineProblem[] = [];
  const linesOf = new Map<string, number[]>();
  let openQuoteLine: number | undefined;
  text.split('\n').forEach((line, index) => {
    const number = index + 1;
    const match = DOTENV_LINE.exec(line);
    if (match) {
      const key = match[1]!;
      const raw = match[2] ?? '';
      linesOf.set(key, [...(linesOf.get(key) ?? []), number]);
      values[key] = dotenvValue(raw);
      if (hasInlineComment(raw)) problems.push({ line: number, reason: 'inline-comment', key });
      openQuoteLine = opensQuote(raw) ? number : undefined;
      return;
    }
    const continued = openQuoteLine;
    openQuoteLine = undefined;
    if (/^\s*(#|$)/.test(line)) return; // a comment or a blank line: meant to be skipped
    const exported = /^\s*export\s+([\w.-]+)\s*=/.exec(line);
    if (exported) {
      problems.push({ line: number, reason: 'export-prefix', key: exported[1]! });
      return;
    }
    const assignment = /^\s*([\w.-]+)\s*=/.exec(line);
    const separator = [...line.replace(/\r$/, '')].find((character) => character in LINE_SEPARATORS);
    if (assignment && separator !== undefined) {
      problems.push({ line: number, reason: 'line-separator', key: assignment[1]!, detail: LINE_SEPARATORS[separator]! });
    } else if (!line.includes('=')) {
      problems.push({ line: number, reason: 'no-equals', ...(continued !== undefined && { continues: continued }) });
    } else {
      problems.push({ line: number, reason: 'bad-name' });
    }
  });
  const repeated = [...linesOf].filter(([, lines]) => lines.length > 1).map(([key, lines]) => ({ key, lines }));
  return { values, problems, repeated };
}

/** dotenv 6's result alone. @example parseEnvFile('A=1\n# note\nB="x y"') // { A: '1', B: 'x y' } */
export function parseEnvFile(text: string): Record<string, string> {
  return readEnvFile(text).values;
}

function dotenvValue(raw: string): string {
  let value = raw;
  if (value.length > 0 && value.startsWith('"') && value.endsWith('"')) value = value.replace(/\\n/gm, '\n');
  return value.replace(/(^['"]|['"]$)/g, '').trim();
}

const quoted = (raw: string) => raw.length >= 2 && (raw[0] === '"' || raw[0] === "'") && raw.endsWith(raw[0]);

/** An opening quote with no closing one: the user probably meant the value to go on over the next lines. */
const opensQuote = (raw: string) => /^["']/.test(raw.trim()) && !quoted(raw.trim());

/**
 * ` # …` after an unquoted value: meant as a comment, read as part of the value. In JSON (the policy) a ` #`
 * can sit inside a string, so there only one after the closing bracket counts. A quoted value is left alone,
 * which is also the way to keep a real ` #` in a value.
 */
function hasInlineComment(raw: string): boolean {
  const value = raw.trim();
  if (quoted(value)) return false;
  if (/^[{[]/.test(value)) return /[}\]]\s+#/.test(value);
  return /\s#/.test(value);
}

/**
 * The problems of a reading, to print beside the configuration's own: each names the file's line and the
 * variable, never a value.
 * @example envFileProblems(readEnvFile('export A=1'), '.env')[0].variable // '.env line 1'
 */
export function envFileProblems(reading: EnvFileReading, file: string): Problem[] {
  return reading.problems.map((problem) => ({ variable: `${file} line ${problem.line}`, ...describe(problem) }));
}

const SKIPS = 'twilio-run (dotenv 6) skips the whole line';

function describe(problem: EnvLineProblem): { message: string; fix: string } {
  const key = problem.key ?? 'the variable';
  switch (problem.reason) {
    case 'export-prefix':
      return {
        message: `${key} starts with "export "; ${SKIPS}, so ${key} is not set`,
        fix: `remove "export " from the start of line ${problem.line}`,
      };
    case 'line-separator':
      return {
        message: `${key}'s value contains ${problem.detail}; ${SKIPS}, so ${key} is not set`,
        fix: `remove that invisible character from line ${problem.line} (in JSON, write it as the escape \\u2028 if it is meant)`,
      };
    case 'inline-comment':
      return {
        message: `${key}'s value has what looks like an inline comment; twilio-run (dotenv 6) keeps it as part of the value`,
        fix: `move the comment to a line of its own starting with #, or quote the value if the " #" belongs to it`,
      };
    case 'no-equals':
      return problem.continues !== undefined
        ? {
            message: `the line has no "="; twilio-run (dotenv 6) skips it (it seems to continue the quoted value of line ${problem.continues}, but dotenv 6 reads values on one line only)`,
            fix: `put the value on line ${problem.continues} alone, writing line breaks as \\n inside double quotes`,
          }
        : {
            message: 'the line has no "="; twilio-run (dotenv 6) skips it',
            fix: 'write it as NAME=value, or start it with # to make it a comment',
          };
    case 'bad-name':
      return {
        message: 'the name before "=" is not one twilio-run (dotenv 6) reads (letters, digits, _, . and - only); it skips the line',
        fix: `correct the name on line ${problem.line}, or start the line with # to make it a comment`,
      };
  }
}
