// Jest on Node 22 cannot require ES modules (it can from Node 24.9), and openapi-backend's JSON-schema ref parser
// ships only as ESM. This turns such a file into CommonJS with esbuild, a dev dependency already.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code } = transformSync(source, {
      format: 'cjs',
      loader: 'js',
      platform: 'node',
      target: 'node22',
      sourcefile: filename,
      // Jest cannot run a dynamic import() either; require it instead.
      supported: { 'dynamic-import': false },
    });
    return { code };
  },
};
