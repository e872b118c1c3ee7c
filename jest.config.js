/**
 * The test suites as jest projects. `npm test` (scripts/test.mjs) runs them in two phases:
 * 1. unit, properties, cli, servers and deploy side by side on two workers: each suite starts its own servers on free loopback
 *    ports and works in its own temporary folders, so none needs the machine to itself;
 * 2. alone, in band: the suites whose password checks run against the refusal deadline and the check queue, which
 *    shed load on a busy machine (a loaded neighbour would turn their 401s into 429s and 503s).
 * `npm run test:unit` is the unit project and the properties (jest.unit.config.js).
 */
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
};

/** Suites that need the machine alone (phase 2): their password checks run on the real clock's deadline and queue. */
const ALONE = [
  ...['enumeration', 'hostile-requests', 'sync-throttle'].map((name) => `<rootDir>/tests/integration/${name}.test.ts`),
  // Its table of callers signs in through the core's authenticator: under load it saw a new user refused (seen once).
  '<rootDir>/tests/deploy/deploy-access-cuts.test.ts',
];
/** Unit suites that run the CLI tools as child processes (each bundles its tool with esbuild first). */
const CLI = ['dev-env', 'doctor', 'hash-password', 'new-secret', 'revoke-cli'].map((name) => `<rootDir>/tests/unit/cli/${name}.test.ts`);

module.exports = {
  // The server suites serve dist/ and the build test inspects it: built once before any suite.
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  testTimeout: 30000,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/tests/unit'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...CLI],
    },
    { ...shared, displayName: 'cli', roots: ['<rootDir>/tests/unit'], testMatch: CLI },
    {
      ...shared,
      displayName: 'servers',
      roots: ['<rootDir>/tests/integration', '<rootDir>/tests/e2e'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...ALONE],
    },
    {
      ...shared,
      displayName: 'deploy',
      roots: ['<rootDir>/tests/deploy'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...ALONE],
      // The deploys in throwaway copies skip a type check of sources this setup checked already (scripts/build.mjs).
      globalSetup: '<rootDir>/tests/helpers/deploy-global-setup.ts',
    },
    // In-process on a frozen clock, with no real pause: a busy neighbour slows them down but cannot change an answer.
    { ...shared, displayName: 'properties', roots: ['<rootDir>/tests/property'], testMatch: ['**/*.test.ts'] },
    { ...shared, displayName: 'alone', roots: ['<rootDir>/tests/integration', '<rootDir>/tests/deploy'], testMatch: ALONE },
  ],
};
