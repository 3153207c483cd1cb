// The runtime target is Node 22 (Lambda nodejs22.x, Azure Functions Node 22); the project installs it as a
// devDependency so that npm scripts resolve `node` from node_modules/.bin. Fail fast if that did not happen.
module.exports = async () => {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) {
    throw new Error(`Tests must run on Node 22 (found ${process.version}). Run them through npm scripts after npm ci.`);
  }
};
