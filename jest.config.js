/** Unit tests run in-process with no network; integration tests talk real HTTP to the local emulators on loopback. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
  },
  globalSetup: '<rootDir>/tests/helpers/require-node-22.js',
  testTimeout: 30000,
};
