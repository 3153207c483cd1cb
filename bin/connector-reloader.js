#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's CommonJS hook, so `npx connector-reloader` needs no build step.
require('tsx/cjs');
const { main } = require('../cli/main.ts');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
