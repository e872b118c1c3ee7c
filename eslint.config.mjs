// Lint rules for every source file: ones the code already follows and that catch real bugs, not matters of taste
// (Prettier owns the layout). Type-aware rules use the tsconfigs that `npm run typecheck` checks.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const root = import.meta.dirname;

/**
 * Rules that need type information: promises nobody awaits, throws of non-errors, switches that miss a case.
 * @type {import('eslint').Linter.RulesRecord}
 */
const typeAwareRules = {
  '@typescript-eslint/await-thenable': 'error',
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': 'error',
  '@typescript-eslint/return-await': ['error', 'in-try-catch'],
  '@typescript-eslint/only-throw-error': 'error',
  '@typescript-eslint/prefer-promise-reject-errors': 'error',
  '@typescript-eslint/no-base-to-string': 'error',
  '@typescript-eslint/restrict-plus-operands': 'error',
  '@typescript-eslint/switch-exhaustiveness-check': 'error',
  '@typescript-eslint/no-for-in-array': 'error',
  '@typescript-eslint/no-implied-eval': 'error',
  '@typescript-eslint/no-array-delete': 'error',
  '@typescript-eslint/unbound-method': 'error',
  '@typescript-eslint/no-duplicate-type-constituents': 'error',
  '@typescript-eslint/no-redundant-type-constituents': 'error',
};

/** @type {import('eslint').Linter.RulesRecord} Plain-JavaScript rules beyond eslint:recommended, for every file. */
const everywhereRules = {
  eqeqeq: 'error',
  radix: 'error',
  'no-eval': 'error',
  'no-new-func': 'error',
  'no-self-compare': 'error',
  'no-template-curly-in-string': 'error',
  'no-unmodified-loop-condition': 'error',
  'no-unreachable-loop': 'error',
  'array-callback-return': 'error',
  'prefer-const': 'error',
  'no-var': 'error',
};

/**
 * Unused names are errors; a leading underscore says "unused on purpose" (a dropped rest sibling, a callback slot).
 * @type {import('eslint').Linter.RuleEntry}
 */
const unusedVars = [
  'error',
  {
    args: 'after-used',
    argsIgnorePattern: '^_',
    varsIgnorePattern: '^_',
    caughtErrorsIgnorePattern: '^_',
    destructuredArrayIgnorePattern: '^_',
    ignoreRestSiblings: true,
  },
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'test-artifacts/**', 'bench/results/**', 'packages/*/dist/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // The first project that includes a file types it: browser code gets the DOM and no Node types.
        project: ['./tsconfig.assets.json', './tsconfig.sdk-pages.json', './tsconfig.test.json', './tsconfig.scripts.json'],
        tsconfigRootDir: root,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: typeAwareRules,
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      // Deliberate lazy `require()`s keep twilio's AccessToken, JOSE and the Sync client out of the cold start.
      '@typescript-eslint/no-require-imports': 'off',
      // Type-only imports never become a require() in the bundle; `import('x').T` in a type is type-only too.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    // Tests read untyped JSON answers (`answer.json.error.code`) on purpose: `any` there is the point, not a slip.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Deployed code: the runtime types are a devDependency, so a value import of them breaks the deployed Function.
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@twilio-labs/serverless-runtime-types', '@twilio-labs/serverless-runtime-types/*'],
              allowTypeImports: true,
              message: 'Use `import type` (and `/// <reference types>`): a value import becomes a require() of a devDependency.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
    rules: { 'no-unused-vars': unusedVars },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    rules: everywhereRules,
  },
);
