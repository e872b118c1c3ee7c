/** npm run test:unit: the in-process suites only, with no build and no server (about a minute or two, for a quick edit loop). */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/tests/unit', '<rootDir>/tests/property'],
  globalSetup: undefined,
};
