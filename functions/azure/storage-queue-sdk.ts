/**
 * @azure/storage-queue, bundled on its own: `build:azure` writes it beside the entry (dist/azure/storage-queue-sdk.js)
 * and runtime.ts requires it at the first coalescing deferral only. Inside the entry, even required lazily, its
 * ~1.1 MB (storage-common, an XML parser, more of core-client) would be parsed at every cold start.
 */
export { QueueServiceClient } from '@azure/storage-queue';
