import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { type FailureMessage, toFailureMessage } from '#app/failure-message';
import type { ConnectorFailed } from '#core/events';

/**
 * The SQS hand-off between the failure webhook and the recovery function: one message per reported failure (the
 * JSON of shared/app/failure-message.ts), so the webhook answers at once and a failure survives a crash or a
 * Confluent outage (the queue retries, then redrives to the dead-letter queue).
 */
/** Receives before a message is dead-lettered: serverless/resources.yml FailureQueue maxReceiveCount (a test keeps them equal). */
export const MAX_RECEIVE_COUNT = 5;
/** SendMessageBatch takes at most 10 entries. */
const SEND_BATCH = 10;
/** A cause is a pointer for people (the logs hold the rest); message attribute values stay small. */
const MAX_CAUSE = 1_000;

export class FailureHandOffError extends Error {
  override readonly name = 'FailureHandOffError';
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

export class FailureQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /**
   * Queues each failure, tagged with the API request that reported it (to find it in the access logs). Entries the
   * batch call refused are sent once more; what still fails throws, so the webhook does not answer 202 for a
   * failure nobody will handle.
   */
  async send(failures: readonly ConnectorFailed[], reportedAt: Date, requestId: string): Promise<void> {
    const entries: SendMessageBatchRequestEntry[] = failures.map((failure, index) => {
      const message: FailureMessage = toFailureMessage(failure, reportedAt);
      const { environmentId = '?', clusterId = '?', name } = message.connector;
      return {
        Id: String(index),
        MessageBody: JSON.stringify(message),
        MessageAttributes: {
          requestId: text(requestId || 'unknown'),
          connector: text(`${environmentId}/${clusterId}/${name ?? message.connectorId ?? '?'}`),
        },
      };
    });
    for (let start = 0; start < entries.length; start += SEND_BATCH) {
      let pending = entries.slice(start, start + SEND_BATCH);
      let codes: string[] = [];
      for (let attempt = 1; attempt <= 2 && pending.length > 0; attempt += 1) {
        const response = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        const failed = response.Failed ?? [];
        codes = failed.map((entry) => entry.Code ?? 'unknown');
        pending = pending.filter((entry) => failed.some((refused) => refused.Id === entry.Id));
      }
      if (pending.length > 0) {
        throw new FailureHandOffError(
          `SQS refused ${pending.length} failure message(s): ${[...new Set(codes)].join(', ')}`,
        );
      }
    }
  }
}

/** Why a message was given up on, and after how many receives: set on the dead-lettered copy. */
export interface DeadLetterCause {
  readonly cause: string;
  readonly receiveCount: number;
}

/**
 * Puts a received message on the dead-letter queue as it came (body and message attributes), plus its cause,
 * receive count, original id and the time. The redrive policy would move it too, but without saying why.
 */
export async function deadLetter(
  client: SQSClient,
  deadLetterQueueUrl: string,
  record: SQSRecord,
  { cause, receiveCount }: DeadLetterCause,
): Promise<void> {
  const kept: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (value.stringValue !== undefined) kept[name] = { DataType: value.dataType, StringValue: value.stringValue };
    else if (value.binaryValue !== undefined)
      kept[name] = { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, 'base64') };
  }
  await client.send(
    new SendMessageCommand({
      QueueUrl: deadLetterQueueUrl,
      MessageBody: record.body,
      MessageAttributes: {
        ...kept,
        cause: text(cause.slice(0, MAX_CAUSE)),
        receiveCount: { DataType: 'Number', StringValue: String(receiveCount) },
        sourceMessageId: text(record.messageId),
        deadLetteredAt: text(new Date().toISOString()),
      },
    }),
  );
}
