import { SQSClient } from '@aws-sdk/client-sqs';
import type { Reloader } from '#app/build-reloader';
import { loadSettings } from '#config/settings';
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
  return { aws, runtime, reloader: createAwsReloader(settings, aws, dynamo, runtime), sqs: new SQSClient({}) };
}
