import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

type Json = Record<string, unknown>;

/** Vendor samples copied verbatim from AWS and Microsoft documentation; sources in tests/fixtures/README.md. */
export const REFERENCE_SAMPLES = path.resolve(__dirname, '../fixtures/event-samples');
export const AWS_EVENTS = path.resolve(__dirname, '../../events/aws');
export const AZURE_EVENTS = path.resolve(__dirname, '../../events/azure');
export const GCP_EVENTS = path.resolve(__dirname, '../../events/gcp');

export function readJson<T = Json>(directory: string, file: string): T {
  return JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as T;
}

export function jsonFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort();
}

/**
 * A minimal EventBridge pattern matcher (literal values only), enough to show which documented rules deliver a
 * sample: arrays list accepted values, objects recurse.
 */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) return pattern.some((accepted) => accepted === event);
  if (typeof pattern !== 'object' || pattern === null) return false;
  if (typeof event !== 'object' || event === null) return false;
  return Object.entries(pattern).every(([key, value]) => matchesPattern(value, (event as Json)[key]));
}
