import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type middyCore from '@middy/core' with { 'resolution-mode': 'import' };
import type { Context } from 'aws-lambda';
import type { Logger } from '#core/ports';
import { redact } from '#observability/redaction';
import type { MetricPoint } from '#observability/reload-metrics';

// @middy/core ships only as ESM: Node 22.12+ require()s it, esbuild bundles it, Jest transforms it (jest.config.js).
const middy: typeof middyCore = require('@middy/core').default;

/**
 * Everything cross-cutting about running on Lambda, in one place: Powertools Logger (JSON, every string redacted),
 * Powertools Metrics (EMF) and idempotency persisted in DynamoDB, applied with middy. Handlers stay thin.
 */
export const SERVICE_NAME = 'connector-reloader';
export const METRICS_NAMESPACE = 'ConnectorReloader';
/** Idempotency records outlive Lambda's longest async retry window (6 h maximum event age). */
export const IDEMPOTENCY_EXPIRY_SECONDS = 6 * 60 * 60;

export interface LambdaRuntimeOptions {
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly idempotencyTable: string;
  readonly dynamo: DynamoDBClient;
}

/** What an idempotent unit of work came to: its result (fresh or remembered), or "another invocation has it". */
export type OnceResult<R> = { readonly status: 'done'; readonly value: R } | { readonly status: 'in-progress' };

export interface LambdaRuntime {
  readonly logger: PowertoolsLogger;
  /** The core Logger port over the Powertools logger. */
  readonly log: Logger;
  readonly metrics: Metrics;
  record(points: readonly MetricPoint[]): void;
  /**
   * Makes `work` run once per key (a JSON-able value, hashed) for IDEMPOTENCY_EXPIRY_SECONDS: a repeat returns the
   * stored result. A throw deletes the record so a retry runs again. `work`'s result is stored: keep it small.
   */
  once<K extends object, A extends unknown[], R>(
    keyPrefix: string,
    work: (key: K, ...args: A) => Promise<R>,
  ): (context: Context, key: K, ...args: A) => Promise<OnceResult<R>>;
  /** Wraps a handler with context-aware logging and a metrics flush after every invocation, also on error. */
  handler<E, R>(fn: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R>;
}

export function createLambdaRuntime(options: LambdaRuntimeOptions): LambdaRuntime {
  const logger = new PowertoolsLogger({
    serviceName: SERVICE_NAME,
    logLevel: options.logLevel.toUpperCase() as 'INFO',
    // Last line of defence: any registered secret value in any string of any log line becomes [REDACTED].
    jsonReplacerFn: (_key: string, value: unknown) => (typeof value === 'string' ? redact(value) : value),
  });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.idempotencyTable,
    awsSdkV3Client: options.dynamo,
  });

  return {
    logger,
    log: portLogger(logger),
    metrics,
    record(points) {
      for (const point of points) {
        if (!point.dimensions) {
          metrics.addMetric(point.name, MetricUnit[point.unit], point.value);
          continue;
        }
        // Per-point dimensions need their own EMF record, or they would apply to every metric of the invocation.
        const single = metrics.singleMetric();
        for (const [name, value] of Object.entries(point.dimensions)) single.addDimension(name, value);
        single.addMetric(point.name, MetricUnit[point.unit], point.value);
      }
    },
    once(keyPrefix, work) {
      const config = new IdempotencyConfig({ expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS });
      const idempotent = makeIdempotent(work, { persistenceStore, config, keyPrefix });
      return async (context, key, ...args) => {
        // The first argument is the hashed payload. Lets an in-progress record expire with this invocation's timeout, so a crashed run does not block retries.
        config.registerLambdaContext(context);
        try {
          return { status: 'done', value: await idempotent(key, ...args) };
        } catch (error) {
          if (error instanceof IdempotencyAlreadyInProgressError) return { status: 'in-progress' };
          throw error;
        }
      };
    },
    handler(fn) {
      return middy(fn)
        .use(injectLambdaContext(logger, { resetKeys: true }))
        .use(logMetrics(metrics, { captureColdStartMetric: true }));
    },
  };
}

function portLogger(logger: PowertoolsLogger): Logger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (fields) logger[level](message, fields);
      else logger[level](message);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
