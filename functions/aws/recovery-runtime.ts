import { SQSClient } from '@aws-sdk/client-sqs';
import type { Reloader } from '../../shared/app/build-reloader';
import { loadSettings } from '../../shared/config/settings';
import type { RecoveryReport } from '../../shared/core/recovery-report';
import type { MetricPoint } from '../../shared/observability/reload-metrics';
import { createAwsReloader, createDynamoClient } from './aws-reloader';
import { type AwsSettings, loadAwsSettings } from './aws-settings';
import { createLambdaRuntime, type LambdaRuntime } from './lambda-runtime';

/**
 * What the failed-connector functions (webhook, queue, sweep) share at a cold start: validated settings, the
 * Lambda runtime (Powertools logger and metrics) and the reloader with its AWS adapters. No network is touched
 * here; the SQS client takes region, credentials and AWS_ENDPOINT_URL_SQS from the environment.
 */
export interface AwsRecoveryRuntime {
  readonly aws: AwsSettings;
  readonly runtime: LambdaRuntime;
  readonly reloader: Reloader;
  readonly sqs: SQSClient;
}

export function createAwsRecoveryRuntime(env: NodeJS.ProcessEnv = process.env): AwsRecoveryRuntime {
  const settings = loadSettings(env);
  const aws = loadAwsSettings(env);
  const dynamo = createDynamoClient();
  const runtime = createLambdaRuntime({ logLevel: settings.logLevel, idempotencyTable: aws.idempotencyTable, dynamo });
  return { aws, runtime, reloader: createAwsReloader(settings, aws, dynamo, runtime.log), sqs: new SQSClient({}) };
}

/** Metric names of failed-connector recovery, in the same EMF namespace as the reload metrics. */
export const RECOVERY_METRICS = {
  queued: 'FailureReportsQueued',
  issued: 'RecoveryRestartsIssued',
  succeeded: 'RecoveryRestartsSucceeded',
  failed: 'RecoveryRestartsFailed',
  exhausted: 'RestartBudgetsExhausted',
} as const;

/** Restarts issued, verified RUNNING, and not (FAILED, timed out, refused); budgets that ran out (alerted). */
export function recoveryMetrics(report: RecoveryReport): MetricPoint[] {
  const restarts = report.outcomes.filter((outcome) => outcome.result !== 'skipped');
  const count = (name: string, value: number): MetricPoint => ({ name, unit: 'Count', value });
  return [
    count(RECOVERY_METRICS.issued, restarts.length),
    count(RECOVERY_METRICS.succeeded, restarts.filter((outcome) => outcome.result === 'restarted').length),
    count(RECOVERY_METRICS.failed, restarts.filter((outcome) => outcome.result !== 'restarted').length),
    count(RECOVERY_METRICS.exhausted, report.outcomes.filter((outcome) => outcome.alert).length),
  ];
}
