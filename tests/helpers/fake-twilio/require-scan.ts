/**
 * What a deployed Function can require: a Node built-in or a package named in the Build's Dependencies. Relative
 * requires fail on Twilio because each function is stored under its own generated path (serverless-toolkit #140, #457).
 */
import { builtinModules } from 'node:module';

const BUILTINS = new Set(builtinModules);

/**
 * The string literals passed to `require(...)` (and to `import(...)`) in a CommonJS source, skipping comments and
 * string contents so that a require mentioned in a comment or a message does not count.
 */
function findRequires(source: string): string[] {
  const found: string[] = [];
  let i = 0;
  const readString = (quote: string): string => {
    let value = '';
    i += 1;
    while (i < source.length && source[i] !== quote) {
      if (source[i] === '\\') {
        value += source[i + 1] ?? '';
        i += 2;
        continue;
      }
      value += source[i];
      i += 1;
    }
    i += 1;
    return value;
  };
  while (i < source.length) {
    const char = source[i];
    if (char === '/' && source[i + 1] === '/') {
      const end = source.indexOf('\n', i);
      i = end < 0 ? source.length : end;
    } else if (char === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (char === '"' || char === "'" || char === '`') {
      readString(char);
    } else if (/[A-Za-z_$]/.test(char)) {
      const start = i;
      while (i < source.length && /[\w$]/.test(source[i])) i += 1;
      const word = source.slice(start, i);
      const previous = source.slice(0, start).trimEnd().slice(-1);
      if ((word === 'require' || word === 'import') && previous !== '.') {
        const call = /^\s*\(\s*(['"`])/.exec(source.slice(i));
        if (call) {
          i += call[0].length - 1;
          found.push(readString(call[1]));
        }
      }
    } else {
      i += 1;
    }
  }
  return found;
}

/** `twilio/lib/jwt/AccessToken` -> `twilio`; `@scope/pkg/sub` -> `@scope/pkg`. */
function packageNameOf(specifier: string): string {
  const segments = specifier.split('/');
  return specifier.startsWith('@') ? segments.slice(0, 2).join('/') : segments[0];
}

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(packageNameOf(specifier));
}

/**
 * Why a function's source would fail to load after deployment: one message per offending require, none when it
 * loads.
 *
 * @example
 * unresolvableRequires("require('./lib/x')", new Set(['twilio'])) // ["relative require './lib/x'"]
 */
export function unresolvableRequires(source: string, dependencies: ReadonlySet<string>): string[] {
  const reasons: string[] = [];
  for (const specifier of findRequires(source)) {
    if (specifier.startsWith('.') || specifier.startsWith('/')) {
      reasons.push(`relative require '${specifier}'`);
    } else if (!isBuiltin(specifier) && !dependencies.has(packageNameOf(specifier))) {
      reasons.push(`'${specifier}' is neither a Node built-in nor in the Build's Dependencies`);
    }
  }
  return reasons;
}
