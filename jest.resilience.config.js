/** Process-level resilience tests: several service instances, SIGKILL, a PostgreSQL restart, a soak. */
const base = require('./jest.config');
module.exports = { ...base, testMatch: ['<rootDir>/test/resilience/**/*.resilience-spec.ts'], testTimeout: 900000 };
