import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { closeServer, listenOnLoopback, readBody } from './loopback';

/** A message attribute as the SQS API carries it (SendMessage in, ReceiveMessage out). */
export interface WireAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** One message as the emulator holds it. */
export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, WireAttribute>>;
  readonly sentAt: number;
  /** DelaySeconds it was sent with: invisible until then (0 when sent without). */
  readonly delaySeconds: number;
  receiveCount: number;
  firstReceivedAt?: number;
  invisibleUntil: number;
  receiptHandle?: string;
}

export interface QueueSpec {
  readonly name: string;
  /** Seconds a received message stays invisible unless ReceiveMessage says otherwise (SQS default 30). */
  readonly visibilityTimeoutSeconds?: number;
  /** As a RedrivePolicy: a message received more than maxReceiveCount times moves to that queue. */
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
}

export interface SqsEmulatorOptions {
  readonly port?: number;
  readonly queues: readonly QueueSpec[];
  readonly region?: string;
  readonly accountId?: string;
  /** Called after messages were accepted on a queue (npm start runs the queue function then, as Lambda's poller). */
  readonly onSent?: (queue: string) => void;
  /**
   * Epoch ms now: delays and visibility timeouts run on it. By default `Date.now`, read at each call, so a test that
   * fakes Date (as the coalescing tests do) moves the queues' clock with everything else's.
   */
  readonly now?: () => number;
}

export interface SqsEmulator {
  /** `http://127.0.0.1:<port>`: the SQS client's endpoint (AWS_ENDPOINT_URL_SQS); queue URLs live under it. */
  readonly url: string;
  queueUrl(name: string): string;
  queueArn(name: string): string;
  readonly control: {
    /** Every message on a queue, visible or in flight, oldest first (copies). */
    messages(queue: string): StoredMessage[];
    /** Raw request bodies, for asserting that nothing secret was sent. */
    rawRequests(): string[];
    /** The next N entries of SendMessage/SendMessageBatch are refused (`InternalError`), as under an outage. */
    failNextSends(count: number): void;
    /** What Lambda's SQS poller does: receive up to `max` visible messages, as the records of an SQSEvent. */
    receiveEvent(queue: string, max?: number): SQSEvent;
    /** Deletes received messages by receipt handle (the poller after a successful or partial batch). */
    deleteReceived(queue: string, receiptHandles: readonly string[]): void;
    /** Ends the delay of every message sent with DelaySeconds and never received yet: what waiting that long does. */
    endDelays(queue: string): number;
    reset(): void;
  };
  close(): Promise<void>;
}

const JSON_1_0 = 'application/x-amz-json-1.0';
/** SendMessage's DelaySeconds maximum (15 minutes). */
export const MAX_DELAY_SECONDS = 900;

class SqsApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * A loopback SQS speaking the AWS JSON 1.0 protocol the v3 client uses (SendMessage, SendMessageBatch,
 * ReceiveMessage, DeleteMessage, GetQueueUrl), with MD5 checksums the client verifies, visibility timeouts,
 * DelaySeconds (0–900, refused otherwise, as SQS does) and a redrive policy. It never pushes: `control.receiveEvent` plays Lambda's poller for tests and `npm start`.
 */
export async function startSqsEmulator(options: SqsEmulatorOptions): Promise<SqsEmulator> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const specs = new Map(options.queues.map((spec) => [spec.name, spec]));
  const queues = new Map<string, StoredMessage[]>(options.queues.map((spec) => [spec.name, []]));
  let raw: string[] = [];
  let failSends = 0;
  let url = '';
  const now = options.now ?? (() => Date.now());

  const queueOf = (queueUrl: unknown): string => {
    const name = typeof queueUrl === 'string' ? queueUrl.split('/').filter(Boolean).at(-1) : undefined;
    if (!name || !queues.has(name)) {
      throw new SqsApiError('com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
    }
    return name;
  };
  const messagesOf = (name: string): StoredMessage[] => {
    const list = queues.get(name);
    if (!list) throw new SqsApiError('com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
    return list;
  };

  function send(queue: string, body: unknown, attributes: unknown, delay: unknown): StoredMessage {
    const delaySeconds = delay === undefined ? 0 : Number(delay);
    // SQS takes 0 to 900 whole seconds (15 minutes), and refuses the call otherwise.
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
      throw new SqsApiError(
        'com.amazonaws.sqs#InvalidParameterValue',
        `Value ${String(delay)} for parameter DelaySeconds is invalid. Reason: must be >= 0 and <= ${MAX_DELAY_SECONDS}.`,
      );
    }
    if (typeof body !== 'string' || body.length === 0) {
      throw new SqsApiError('com.amazonaws.sqs#InvalidParameterValue', 'MessageBody must be a non-empty string');
    }
    if (Buffer.byteLength(body, 'utf8') > 256 * 1024) {
      throw new SqsApiError('com.amazonaws.sqs#InvalidParameterValue', 'MessageBody is longer than 256 KiB');
    }
    const sentAt = now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      attributes: (attributes ?? {}) as Record<string, WireAttribute>,
      sentAt,
      delaySeconds,
      receiveCount: 0,
      invisibleUntil: delaySeconds > 0 ? sentAt + delaySeconds * 1000 : 0,
    };
    messagesOf(queue).push(message);
    return message;
  }

  /** Receives visible messages, moving over-received ones to the dead-letter queue first (the redrive policy). */
  function receive(queue: string, max: number, visibilitySeconds?: number): StoredMessage[] {
    const spec = specs.get(queue);
    const at = now();
    const list = messagesOf(queue);
    const received: StoredMessage[] = [];
    for (const message of [...list]) {
      if (received.length >= max) break;
      if (message.invisibleUntil > at) continue;
      if (spec?.redrive && message.receiveCount >= spec.redrive.maxReceiveCount) {
        list.splice(list.indexOf(message), 1);
        messagesOf(spec.redrive.deadLetterQueue).push({ ...message, receiveCount: 0, invisibleUntil: 0 });
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= at;
      message.invisibleUntil = at + 1000 * (visibilitySeconds ?? spec?.visibilityTimeoutSeconds ?? 30);
      message.receiptHandle = randomUUID();
      received.push(message);
    }
    return received;
  }

  function remove(queue: string, receiptHandle: unknown): void {
    const list = messagesOf(queue);
    const index = list.findIndex((message) => message.receiptHandle === receiptHandle);
    if (index >= 0) list.splice(index, 1);
  }

  function sendRefused(): boolean {
    if (failSends <= 0) return false;
    failSends -= 1;
    return true;
  }

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetQueueUrl: (input) => ({ QueueUrl: `${url}/${accountId}/${queueOf(`/${String(input.QueueName)}`)}` }),
    SendMessage: (input) => {
      const queue = queueOf(input.QueueUrl);
      if (sendRefused()) throw new SqsApiError('com.amazonaws.sqs#InternalError', 'injected failure', 500);
      const message = send(queue, input.MessageBody, input.MessageAttributes, input.DelaySeconds);
      options.onSent?.(queue);
      return { MessageId: message.messageId, MD5OfMessageBody: md5(message.body) };
    },
    SendMessageBatch: (input) => {
      const queue = queueOf(input.QueueUrl);
      const entries = (input.Entries ?? []) as Record<string, unknown>[];
      if (entries.length === 0 || entries.length > 10) {
        throw new SqsApiError('com.amazonaws.sqs#TooManyEntriesInBatchRequest', 'a batch holds 1 to 10 entries');
      }
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of entries) {
        if (sendRefused()) {
          Failed.push({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'injected failure' });
          continue;
        }
        let message: StoredMessage;
        try {
          message = send(queue, entry.MessageBody, entry.MessageAttributes, entry.DelaySeconds);
        } catch (error) {
          if (!(error instanceof SqsApiError)) throw error;
          Failed.push({ Id: entry.Id, SenderFault: true, Code: 'InvalidParameterValue', Message: error.message });
          continue;
        }
        Successful.push({ Id: entry.Id, MessageId: message.messageId, MD5OfMessageBody: md5(message.body) });
      }
      if (Successful.length > 0) options.onSent?.(queue);
      return { Successful, Failed };
    },
    ReceiveMessage: (input) => {
      const queue = queueOf(input.QueueUrl);
      const max = Math.min(10, Math.max(1, Number(input.MaxNumberOfMessages ?? 1)));
      const visibility = input.VisibilityTimeout === undefined ? undefined : Number(input.VisibilityTimeout);
      return {
        Messages: receive(queue, max, visibility).map((message) => ({
          MessageId: message.messageId,
          ReceiptHandle: message.receiptHandle,
          MD5OfBody: md5(message.body),
          Body: message.body,
          Attributes: systemAttributes(message),
          ...(Object.keys(message.attributes).length > 0 ? { MessageAttributes: message.attributes } : {}),
        })),
      };
    },
    DeleteMessage: (input) => {
      remove(queueOf(input.QueueUrl), input.ReceiptHandle);
      return {};
    },
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    raw.push(body);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('AmazonSQS.') ? operations[target.slice('AmazonSQS.'.length)] : undefined;
    try {
      if (!operation) throw new SqsApiError('com.amazonaws.sqs#UnsupportedOperation', `${target} is not emulated`);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body || '{}') as Record<string, unknown>;
      } catch {
        throw new SqsApiError('com.amazonaws.sqs#InvalidParameterValue', 'body is not JSON');
      }
      reply(res, 200, operation(input));
    } catch (error) {
      if (!(error instanceof SqsApiError)) throw error;
      reply(res, error.status, { __type: error.type, message: error.message });
    }
  }

  function systemAttributes(message: StoredMessage): Record<string, string> {
    return {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'AIDALOCALSENDER',
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    };
  }

  url = `http://127.0.0.1:${await listenOnLoopback(server, options.port ?? 0)}`;
  const queueArn = (name: string) => `arn:aws:sqs:${region}:${accountId}:${name}`;
  return {
    url,
    queueUrl: (name) => `${url}/${accountId}/${name}`,
    queueArn,
    control: {
      messages: (queue) => messagesOf(queue).map((message) => structuredClone(message)),
      rawRequests: () => [...raw],
      failNextSends(count) {
        failSends = count;
      },
      receiveEvent(queue, max = 10) {
        return {
          Records: receive(queue, max).map(
            (message): SQSRecord => ({
              messageId: message.messageId,
              receiptHandle: message.receiptHandle ?? '',
              body: message.body,
              attributes: systemAttributes(message) as unknown as SQSRecord['attributes'],
              messageAttributes: lambdaAttributes(message.attributes),
              md5OfBody: md5(message.body),
              eventSource: 'aws:sqs',
              eventSourceARN: queueArn(queue),
              awsRegion: region,
            }),
          ),
        };
      },
      deleteReceived(queue, receiptHandles) {
        for (const handle of receiptHandles) remove(queue, handle);
      },
      endDelays(queue) {
        const delayed = messagesOf(queue).filter((message) => message.receiveCount === 0 && message.invisibleUntil > 0);
        for (const message of delayed) message.invisibleUntil = 0;
        return delayed.length;
      },
      reset() {
        for (const list of queues.values()) list.length = 0;
        raw = [];
        failSends = 0;
      },
    },
    close: () => closeServer(server),
  };
}

/** Lambda hands message attributes over in camelCase, with empty list fields. */
function lambdaAttributes(attributes: Readonly<Record<string, WireAttribute>>): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        dataType: value.DataType,
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: value.BinaryValue } : {}),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  );
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': JSON_1_0, 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}
