/** Unit tests run in-process; integration tests start the real twilio-run server. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  // The integration suites build dist/ once and share it.
  globalSetup: '<rootDir>/tests/helpers/global-setup.ts',
  testTimeout: 30000,
};
