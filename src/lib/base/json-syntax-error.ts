/**
 * Where a text stops being JSON (RFC 8259), as a line and column, without quoting any of it: JSON.parse on
 * Node 20 gives no position, and its message quotes the text (which may hold a secret pasted by mistake).
 */

export interface TextPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters (code points) from the start of the line. */
  readonly column: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

function positionOf(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: [...before.slice(lineStart)].length + 1 };
}

/**
 * The position of the first character that makes `text` invalid JSON (the end of the text when it stops
 * early), or undefined when it is valid JSON. Iterative, so deep nesting cannot overflow the stack.
 * @example jsonSyntaxErrorAt('{"rules": [}') // { line: 1, column: 12 }
 */
export function jsonSyntaxErrorAt(text: string): TextPosition | undefined {
  let i = 0;
  const open: ('{' | '[')[] = [];
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  /** Reads a string at i; false with i at the offending character. */
  const readString = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < text.length) {
      const char = text[i]!;
      if (char === '"') {
        i++;
        return true;
      }
      if (char < ' ') return false;
      if (char === '\\') {
        const escaped = text[i + 1];
        if (escaped !== undefined && SIMPLE_ESCAPES.has(escaped)) i += 2;
        else if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else return false;
      } else {
        i++;
      }
    }
    return false;
  };
  const readPattern = (pattern: RegExp): boolean => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) return false;
    i = pattern.lastIndex;
    return true;
  };
  /** After `{` or `,` in an object: a key and its colon. */
  const readKey = (): boolean => {
    skipWhitespace();
    if (!readString()) return false;
    skipWhitespace();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };

  for (;;) {
    // A value.
    skipWhitespace();
    const char = text[i];
    let closedEmpty = false;
    if (char === '{' || char === '[') {
      i++;
      skipWhitespace();
      if (text[i] === (char === '{' ? '}' : ']')) {
        i++;
        closedEmpty = true;
      } else {
        open.push(char);
        if (char === '{' && !readKey()) return positionOf(text, i);
        continue;
      }
    }
    if (!closedEmpty && char !== '{' && char !== '[') {
      const read =
        char === '"'
          ? readString()
          : char === '-' || (char !== undefined && char >= '0' && char <= '9')
            ? readPattern(NUMBER)
            : readPattern(LITERAL);
      if (!read) return positionOf(text, i);
    }
    // After a value: a comma, the end of its container, or the end of the text.
    for (;;) {
      skipWhitespace();
      const container = open[open.length - 1];
      if (container === undefined) return i === text.length ? undefined : positionOf(text, i);
      if (text[i] === ',') {
        i++;
        if (container === '{' && !readKey()) return positionOf(text, i);
        break;
      }
      if (text[i] !== (container === '{' ? '}' : ']')) return positionOf(text, i);
      i++;
      open.pop();
    }
  }
}
