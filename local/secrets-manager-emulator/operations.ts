import { randomUUID } from 'node:crypto';
import { invalidParameter, SecretsManagerApiError } from './api-error';
import type { SecretPayload, SecretStore, StoredSecret } from './secret-store';

type Input = Readonly<Record<string, unknown>>;
type Operation = (store: SecretStore, region: string, input: Input) => Record<string, unknown>;

/** Epoch seconds: the AWS JSON protocol's default timestamp format. */
const seconds = (ms: number): number => ms / 1000;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateSecret(store, region, input) {
    const payload = payloadOf(input, false);
    const { secret, versionId } = store.create(region, requiredString(input, 'Name'), {
      ...(payload ? { payload } : {}),
      ...optional('versionId', optionalString(input, 'ClientRequestToken')),
      ...optional('description', optionalString(input, 'Description')),
      tags: tagsOf(input.Tags),
    });
    return { ARN: secret.arn, Name: secret.name, ...optional('VersionId', versionId) };
  },

  DescribeSecret(store, region, input) {
    const secret = store.resolve(region, optionalString(input, 'SecretId'));
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...optional('Description', secret.description),
      RotationEnabled: false,
      LastChangedDate: seconds(secret.lastChangedAt),
      CreatedDate: seconds(secret.createdAt),
      ...tagsField(secret),
      VersionIdsToStages: store.stagesOf(secret),
    };
  },

  GetSecretValue(store, region, input) {
    const secret = store.resolve(region, optionalString(input, 'SecretId'));
    const version = store.version(secret, optionalString(input, 'VersionId'), optionalString(input, 'VersionStage'));
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      ...(version.payload.kind === 'string'
        ? { SecretString: version.payload.text }
        : { SecretBinary: version.payload.base64 }),
      VersionStages: [...version.stages],
      CreatedDate: seconds(version.createdAt),
    };
  },

  PutSecretValue(store, region, input) {
    const secret = store.resolve(region, optionalString(input, 'SecretId'));
    const payload = payloadOf(input, true) as SecretPayload;
    const stages = optionalStrings(input, 'VersionStages');
    const version = store.putValue(
      secret,
      payload,
      optionalString(input, 'ClientRequestToken') ?? randomUUID(),
      stages,
    );
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] };
  },

  UpdateSecretVersionStage(store, region, input) {
    const secret = store.resolve(region, optionalString(input, 'SecretId'));
    store.updateStage(
      secret,
      requiredString(input, 'VersionStage'),
      optionalString(input, 'MoveToVersionId'),
      optionalString(input, 'RemoveFromVersionId'),
    );
    return { ARN: secret.arn, Name: secret.name };
  },

  ListSecrets(store, region, input) {
    const filters = filtersOf(input.Filters);
    const matching = store
      .list(region)
      .filter((secret) => filters.every((filter) => matches(secret, filter)))
      .sort((a, b) => a.createdAt - b.createdAt);
    if (input.SortOrder === 'desc') matching.reverse();
    const maxResults = typeof input.MaxResults === 'number' ? input.MaxResults : 100;
    if (maxResults < 1 || maxResults > 100) throw invalidParameter('MaxResults must be between 1 and 100.');
    const start = pageStart(input.NextToken);
    const page = matching.slice(start, start + maxResults);
    const next = start + maxResults < matching.length ? { NextToken: pageToken(start + maxResults) } : {};
    return {
      SecretList: page.map((secret) => ({
        ARN: secret.arn,
        Name: secret.name,
        ...optional('Description', secret.description),
        LastChangedDate: seconds(secret.lastChangedAt),
        CreatedDate: seconds(secret.createdAt),
        ...tagsField(secret),
        SecretVersionsToStages: store.stagesOf(secret),
      })),
      ...next,
    };
  },

  TagResource(store, region, input) {
    store.tag(store.resolve(region, optionalString(input, 'SecretId')), tagsOf(input.Tags));
    return {};
  },

  UntagResource(store, region, input) {
    store.untag(store.resolve(region, optionalString(input, 'SecretId')), optionalStrings(input, 'TagKeys') ?? []);
    return {};
  },
};

/** Runs one operation; unknown names answer like AWS does for a target it does not serve. */
export function runOperation(store: SecretStore, name: string, region: string, input: Input): Record<string, unknown> {
  const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (!operation) throw new SecretsManagerApiError('UnknownOperationException', `Unknown operation: ${name}`);
  return operation(store, region, input);
}

/** The request fields safe to keep in the operation log: identifiers and labels, never SecretString/SecretBinary. */
const RECORDED_FIELDS = [
  'SecretId',
  'Name',
  'VersionId',
  'VersionStage',
  'VersionStages',
  'ClientRequestToken',
  'MoveToVersionId',
  'RemoveFromVersionId',
  'Filters',
  'MaxResults',
  'NextToken',
  'TagKeys',
] as const;

export function recordableParams(input: Input): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of RECORDED_FIELDS) if (input[field] !== undefined) params[field] = structuredClone(input[field]);
  if (Array.isArray(input.Tags)) params.TagKeys = [...tagsOf(input.Tags).keys()];
  return params;
}

interface Filter {
  readonly key: string;
  readonly values: readonly string[];
}

/** ListSecrets filters are prefix matches; several values are OR'ed, several filters AND'ed. */
function matches(secret: StoredSecret, filter: Filter): boolean {
  const candidates = (() => {
    switch (filter.key) {
      case 'name':
        return [secret.name];
      case 'description':
        return secret.description ? [secret.description] : [];
      case 'tag-key':
        return [...secret.tags.keys()];
      case 'tag-value':
        return [...secret.tags.values()];
      case 'all':
        return [secret.name, secret.description ?? '', ...secret.tags.keys(), ...secret.tags.values()];
      default:
        throw invalidParameter(`Unsupported filter key: ${filter.key}`);
    }
  })();
  return filter.values.some((value) => {
    const negated = value.startsWith('!');
    const prefix = negated ? value.slice(1) : value;
    const hit = candidates.some((candidate) => candidate.startsWith(prefix));
    return negated ? !hit : hit;
  });
}

function filtersOf(raw: unknown): Filter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw invalidParameter('Filters must be a list.');
  return raw.map((entry: unknown) => {
    const { Key, Values } = (entry ?? {}) as Record<string, unknown>;
    if (typeof Key !== 'string' || !Array.isArray(Values)) throw invalidParameter('Each filter needs Key and Values.');
    return { key: Key, values: Values.filter((value): value is string => typeof value === 'string') };
  });
}

function pageStart(token: unknown): number {
  if (token === undefined) return 0;
  const start = typeof token === 'string' ? Number(Buffer.from(token, 'base64url').toString('utf8')) : Number.NaN;
  if (!Number.isInteger(start) || start < 0) throw invalidParameter('Invalid NextToken.');
  return start;
}

function pageToken(start: number): string {
  return Buffer.from(String(start), 'utf8').toString('base64url');
}

function payloadOf(input: Input, required: boolean): SecretPayload | undefined {
  const text = optionalString(input, 'SecretString');
  const binary = optionalString(input, 'SecretBinary');
  if (text !== undefined && binary !== undefined) {
    throw invalidParameter('You can specify SecretString or SecretBinary, not both.');
  }
  if (text !== undefined) return { kind: 'string', text };
  if (binary !== undefined) return { kind: 'binary', base64: binary };
  if (required) throw invalidParameter('You must provide either SecretString or SecretBinary.');
  return undefined;
}

function tagsOf(raw: unknown): Map<string, string> {
  const tags = new Map<string, string>();
  if (raw === undefined) return tags;
  if (!Array.isArray(raw)) throw invalidParameter('Tags must be a list.');
  for (const entry of raw) {
    const { Key, Value } = (entry ?? {}) as Record<string, unknown>;
    if (typeof Key !== 'string' || Key === '') throw invalidParameter('Each tag needs a Key.');
    tags.set(Key, typeof Value === 'string' ? Value : '');
  }
  return tags;
}

function tagsField(secret: StoredSecret): { Tags?: { Key: string; Value: string }[] } {
  if (secret.tags.size === 0) return {};
  return { Tags: [...secret.tags].map(([Key, Value]) => ({ Key, Value })) };
}

function requiredString(input: Input, field: string): string {
  const value = optionalString(input, field);
  if (value === undefined || value === '') throw invalidParameter(`${field} is required.`);
  return value;
}

function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${field} must be a string.`);
  return value;
}

function optionalStrings(input: Input, field: string): string[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalidParameter(`${field} must be a list of strings.`);
  }
  return value as string[];
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
