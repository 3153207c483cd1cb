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
    // gaxios and teeny-request (the Google clients' HTTP layer) import() node-fetch v3, ESM like its dependencies:
    // the import() becomes a require and node-fetch itself CommonJS, so Jest runs the same fetch the bundle ships.
    '/node_modules/((.+/)?(gaxios|teeny-request)/build|node-fetch|data-uri-to-buffer|fetch-blob|formdata-polyfill)/.+\\.js$':
      '<rootDir>/tests/helpers/esm-to-cjs.js',
  },
  transformIgnorePatterns: [
    '/node_modules/(?!(@apidevtools/json-schema-ref-parser|@middy/core)/|(.+/)?(gaxios|teeny-request)/build/|(node-fetch|data-uri-to-buffer|fetch-blob|formdata-polyfill)/)',
  ],
  globalSetup: '<rootDir>/tests/helpers/require-node-22.js',
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/tests/helpers/plain-summary-reporter.js'],
};
