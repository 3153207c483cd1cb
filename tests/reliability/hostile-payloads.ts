import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';

/**
 * Generators of hostile trigger payloads: arbitrary JSON, prototype-polluting keys, huge strings, deep nesting,
 * unicode, wrong types, and real samples with fields swapped for any of those.
 */
const EVENTS = path.resolve(__dirname, '../../events');

export const SAMPLES: readonly unknown[] = ['aws', 'azure', 'confluent'].flatMap((folder) =>
  readdirSync(path.join(EVENTS, folder)).map((file) =>
    JSON.parse(readFileSync(path.join(EVENTS, folder, file), 'utf8')),
  ),
);

const dangerousKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  ' Id ',
  'ID',
  '',
);
const weirdString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.constantFrom(
    'arn:aws:secretsmanager:',
    'https://x.vault.azure.net/secrets/',
    'crn://confluent.cloud/',
    '\u0000',
    '\uFFFF',
    'AWSCURRENT',
  ),
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'x'.repeat(n)),
);
const leaf = fc.oneof(weirdString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));

/** Any JSON-ish value, including objects keyed by dangerous names. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 8 }),
  object: fc
    .array(fc.tuple(fc.oneof(dangerousKey, fc.string({ maxLength: 12 })), tie('value')), { maxLength: 8 })
    .map((entries) => {
      const object: Record<string, unknown> = {};
      for (const [key, value] of entries)
        Object.defineProperty(object, key, { value, enumerable: true, configurable: true, writable: true });
      return object;
    }),
})).value;

/** Nesting far deeper than any real payload. */
export const deeplyNested = fc
  .integer({ min: 100, max: 3_000 })
  .map((depth) => JSON.parse(`${'{"detail":'.repeat(depth)}"AWSCURRENT"${'}'.repeat(depth)}`) as unknown);

/** A real sample with one field (at any depth) replaced by something hostile. */
export const mutatedSample = fc
  .tuple(fc.constantFrom(...SAMPLES), fc.nat(), hostileJson)
  .map(([sample, pick, replacement]) => {
    const copy = structuredClone(sample) as unknown;
    const slots: { parent: Record<string, unknown>; key: string }[] = [];
    const walk = (node: unknown) => {
      if (typeof node !== 'object' || node === null) return;
      for (const key of Object.keys(node)) {
        slots.push({ parent: node as Record<string, unknown>, key });
        walk((node as Record<string, unknown>)[key]);
      }
    };
    walk(copy);
    const slot = slots[pick % Math.max(slots.length, 1)];
    if (slot) slot.parent[slot.key] = replacement;
    return copy;
  });

export const hostilePayload = fc.oneof(hostileJson, mutatedSample, mutatedSample, deeplyNested);
