// Runs in a fresh Node process: times require() of one bundle (module evaluation, which constructs its clients).
const { performance } = require('node:perf_hooks');

const bootMs = performance.now();
require(process.argv[2]);
const loadMs = performance.now() - bootMs;
process.stdout.write(JSON.stringify({ bootMs, loadMs, rssMb: process.memoryUsage().rss / 1048576 }));
// Open sockets or timers a module may leave behind are not part of loading it.
process.exit(0);
