/**
 * Mutation testing of the core rules against the unit tests: `npm run test:mutation` (docs/quality.md).
 * Not part of CI: a full run takes far too long for 2 shared cores.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
module.exports = {
  mutate: ['shared/core/**/*.ts', 'shared/confluent/retry-policy.ts', 'shared/confluent/request-gate.ts'],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    config: {
      testPathIgnorePatterns: [
        '/node_modules/',
        // Unit tests only: the integration suites and the reliability scenarios drive emulators over HTTP.
        '\\.integration\\.test\\.ts$',
        '/tests/reliability/',
      ],
    },
  },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  // Each mutant runs only the tests that cover it.
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // The machine is shared: a slow run must not be taken for a mutant that loops.
  timeoutMS: 10_000,
  ignorePatterns: ['dist', 'coverage', '.serverless', '.esbuild', '.local-cloud', '.reliability'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, reportTests: false, reportMutants: false },
  incrementalFile: 'reports/mutation/incremental.json',
  thresholds: { high: 90, low: 80, break: null },
};
