/** Parses a .env file exactly as twilio-run does (dotenv 6), so the doctor sees what the function will. */

/**
 * dotenv 6 rules: one `KEY=value` per line (keys of letters, digits, `_`, `.`, `-`); lines that do not
 * look like that, `#` comments included, are ignored; a value in double quotes has `\n` turned into
 * newlines; one leading and one trailing quote (either kind) are removed, then spaces trimmed. There are
 * no inline comments: `A=b # c` is the value `b # c`. A later line wins over an earlier one.
 * @example parseEnvFile('A=1\n# note\nB="x y"') // { A: '1', B: 'x y' }
 */
export function parseEnvFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([\w.-]+)\s*=\s*(.*)?\s*$/.exec(line);
    if (!match) continue;
    let value = match[2] ?? '';
    if (value.length > 0 && value.startsWith('"') && value.endsWith('"')) value = value.replace(/\\n/gm, '\n');
    result[match[1]!] = value.replace(/(^['"]|['"]$)/g, '').trim();
  }
  return result;
}
