// Prints one line with the coverage totals and the thresholds they are held to, instead of Jest's table of every
// file. Jest adds its coverage reporter after the configured ones, so the totals are only there at process exit;
// list this reporter before plain-summary-reporter so that the plain "tests: …" line stays the last one.
const METRICS = ['statements', 'branches', 'functions', 'lines'];

class CoverageSummaryReporter {
  constructor(globalConfig) {
    this.thresholds = globalConfig.coverageThreshold?.global ?? {};
  }

  onRunComplete(_contexts, results) {
    process.once('exit', () => {
      if (!results.coverageMap) return;
      const summary = results.coverageMap.getCoverageSummary();
      const figures = METRICS.map((metric) => {
        const floor = this.thresholds[metric];
        return `${metric} ${summary[metric].pct}%${floor === undefined ? '' : ` (min ${floor}%)`}`;
      });
      process.stderr.write(`coverage: ${figures.join(', ')}\n`);
    });
  }
}
module.exports = CoverageSummaryReporter;
