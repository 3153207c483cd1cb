import path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(__dirname, '../..');

/** The inputs esbuild bundles for an entry, as `npm run build:*` and serverless-esbuild bundle it. */
async function bundleInputs(entry: string, external: string[] = []): Promise<{ inputs: string[]; bytes: number }> {
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    external,
  });
  return {
    inputs: Object.keys(result.metafile.inputs),
    bytes: result.outputFiles.reduce((total, file) => total + file.contents.length, 0),
  };
}

const GOOGLE = /node_modules\/(@google-cloud|google-gax|google-auth-library|gaxios|gcp-metadata|protobufjs)\//;

describe('bundles stay apart', () => {
  it.each([
    ['the Lambda rotation handler', 'functions/aws/on-secret-rotated.ts', []],
    ['the Lambda failure webhook', 'functions/aws/connector-failure-webhook.ts', []],
    ['the Function App', 'functions/azure/index.ts', ['@azure/functions-core']],
  ])(
    '%s carries no Google Cloud client',
    async (_label, entry, external) => {
      // Act
      const { inputs } = await bundleInputs(entry, external);

      // Assess
      expect(inputs.filter((input) => GOOGLE.test(input))).toEqual([]);
      expect(inputs.some((input) => input.includes('functions/gcp/'))).toBe(false);
    },
    60_000,
  );

  it('the Cloud Run bundle (npm run build:gcp) carries no AWS or Azure SDK and stays small', async () => {
    // Act: the Google clients stay external, installed from package.json by the Cloud Run build (they read their
    // client config JSON from their own directories at run time, so they cannot be bundled).
    const { inputs, bytes } = await bundleInputs('functions/gcp/index.ts', ['@google-cloud/*', 'google-auth-library']);

    // Assess
    expect(inputs.filter((input) => /node_modules\/(@aws-sdk|@azure|@aws-lambda-powertools)\//.test(input))).toEqual(
      [],
    );
    expect(inputs.some((input) => input.includes('shared/core/reload-after-rotation.ts'))).toBe(true);
    expect(bytes).toBeLessThan(500 * 1024);
  }, 60_000);
});
