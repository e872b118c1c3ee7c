/** jsonSyntaxErrorAt: agrees with JSON.parse on what is JSON, and says where a text stops being JSON. */
import fc from 'fast-check';
import { jsonSyntaxErrorAt } from '../../src/lib/base/json-syntax-error';
import { propertyRuns } from '../helpers/property-runs';

/** PROPERTY_RUNS (CI: 10,000); the short texts are cheap, so twice as many of them. */
const RUNS = propertyRuns();

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('jsonSyntaxErrorAt', () => {
  it('finds nothing wrong in any JSON that JSON.stringify writes, pretty-printed or not', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonSyntaxErrorAt(JSON.stringify(value))).toBeUndefined();
        expect(jsonSyntaxErrorAt(JSON.stringify(value, null, 2))).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
  });

  it('agrees with JSON.parse on arbitrary short texts made of JSON characters', () => {
    const jsonish = fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789-+.eE truefalsn\\u\n\t\'/a'.split('')), maxLength: 20 });
    fc.assert(
      fc.property(jsonish, (text) => {
        expect(jsonSyntaxErrorAt(text) === undefined).toBe(parses(text));
      }),
      { numRuns: 2 * RUNS },
    );
  });

  it.each([
    ['an empty text', '', { line: 1, column: 1 }],
    ['a missing value after a colon', '{"a":}', { line: 1, column: 6 }],
    ['a leading zero', '[01]', { line: 1, column: 3 }],
    ['a raw tab inside a string', '["a\tb"]', { line: 1, column: 4 }],
    ['a truncated \\u escape', '["\\u12"]', { line: 1, column: 3 }],
    ['a missing comma on the second line', '[1,\n 2 3]', { line: 2, column: 4 }],
    ['a byte-order mark', '\uFEFF{}', { line: 1, column: 1 }],
  ])('%s', (_what, text, position) => {
    expect(parses(text)).toBe(false);
    expect(jsonSyntaxErrorAt(text)).toEqual(position);
  });

  it('walks 100,000 levels of nesting without overflowing the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(jsonSyntaxErrorAt(deep)).toBeUndefined();
    expect(jsonSyntaxErrorAt(`${deep.slice(0, -1)}}`)).toEqual({ line: 1, column: 200_000 });
  });
});
