// Bare Node baseline: a module with nothing in it.
module.exports = {};
