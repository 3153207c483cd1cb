// Jest on Node 22 cannot load node-fetch v3 (ESM only), which gaxios (the Google clients' HTTP layer) imports
// when no fetch is passed in. Node 22's own fetch is the same WHATWG API: tests use it, the deployed bundle ships
// node-fetch as gaxios asks.
module.exports = globalThis.fetch;
module.exports.default = globalThis.fetch;
