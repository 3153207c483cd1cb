/** Unit tests run in-process with no network; integration tests talk real HTTP to the local emulators on loopback. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': 'ts-jest',
    // ESM-only packages (openapi-backend's ref parser, @middy/core), turned into CommonJS for Jest on Node 22.
    '/node_modules/(@apidevtools/json-schema-ref-parser|@middy/core)/.+\\.js$': '<rootDir>/tests/helpers/esm-to-cjs.js',
    // gaxios (Google clients) import()s node-fetch, which Jest cannot run: made a require of the shim below.
    '/node_modules/(.+/)?gaxios/build/cjs/.+\\.js$': '<rootDir>/tests/helpers/esm-to-cjs.js',
  },
  moduleNameMapper: { '^node-fetch$': '<rootDir>/tests/helpers/node-fetch-shim.js' },
  transformIgnorePatterns: [
    '/node_modules/(?!(@apidevtools/json-schema-ref-parser|@middy/core)/|(.+/)?gaxios/build/cjs/)',
  ],
  globalSetup: '<rootDir>/tests/helpers/require-node-22.js',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/tests/helpers/plain-summary-reporter.js'],
};
