/** npm run test:unit: the in-process suites only (jest.config.js's unit project and the properties), no build, no server, in seconds. */
const { projects, testTimeout } = require('./jest.config');

const { displayName: _name, ...unit } = projects.find((project) => project.displayName === 'unit');
// Two workers on this 2-core machine (jest's default would be one): the suites are independent and in-process.
module.exports = { ...unit, roots: [...unit.roots, '<rootDir>/tests/property'], rootDir: __dirname, testTimeout, maxWorkers: 2 };
