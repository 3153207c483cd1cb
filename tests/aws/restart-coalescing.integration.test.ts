import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  ATTEMPT_ATTRIBUTE,
  DUE_AT_ATTRIBUTE,
  MAX_DELAY_SECONDS,
  MAX_PENDING_ATTEMPTS,
} from '#functions/aws/rotation-retry-queue';
import type { EventSummary } from '#functions/aws/rotation-summary';
import { LOCAL_QUEUES, LOCAL_TABLES } from '#local/aws-lambda-stack';
import {
  type LambdaHandler,
  lambdaContext,
  loadRotationHandler,
  loadRotationRetryHandler,
} from '#local/lambda-invoker';
import type { SecretLabelUpdatedEvent } from '#local/secrets-manager-emulator/index';
import { seedEstate } from '#local/seed-estate';
import type { OutcomeEventDetail } from '#notifiers/outcome-events';
import { type AwsLambdaHarness, captureProcessOutput, startAwsLambdaHarness } from '#test-helpers/aws-lambda-harness';
import { fakeDateOnly } from '#test-helpers/simulated-date';

/**
 * Restart coalescing end to end on AWS, with the real handlers and SDK clients on loopback: a database user and its
 * password in two secrets of one connector, rotated 5 s apart with a 30 s window. onSecretRotated defers each
 * rotation to the rotation retry queue (SQS DelaySeconds until its coalesced restart is due), retryPendingRotations
 * takes them back when SQS hands them out, one at a time as its batch size is → one restart, after the second
 * rotation, both rotations' outcome events naming it, and the connector holding both new versions. The clock is
 * simulated: Date is faked (timers stay real), and every part reads it: the handlers, the local SQS's delays,
 * Secrets Manager's timestamps and the Confluent emulator's connector states.
 */
const USER = { name: 'prod/billing-db-user', suffix: 'Us3r01' };
const PASSWORD = { name: 'prod/billing-db-password', suffix: 'Pa55w0' };
const arn = (secret: { name: string; suffix: string }) =>
  `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secret.name}-${secret.suffix}`;
const BILLING = 'env-prod01/lkc-orders1/billing-db-cdc';
const WINDOW_SECONDS = 30;
const CAP_SECONDS = 60;
const START = Date.parse('2026-11-27T12:00:00Z');

let harness: AwsLambdaHarness;
let retryHandler: LambdaHandler;
let sdk: SecretsManagerClient;
let dynamo: DynamoDBClient;
let output: ReturnType<typeof captureProcessOutput>;

/** The seeded estate and a connector that logs in with two secrets: a user and its password. */
function estate() {
  const seeded = seedEstate();
  const [template] = seeded.connectors;
  if (!template) throw new Error('the seeded estate has no connector');
  const { 'database.password': _password, ...config } = template.config;
  const billing = {
    ...template,
    name: 'billing-db-cdc',
    id: 'lcc-billing01',
    config: { ...config, name: 'billing-db-cdc', 'connection.user': arn(USER), 'connection.password': arn(PASSWORD) },
    secretRefs: [arn(USER), arn(PASSWORD)],
  };
  return { ...seeded, connectors: [...seeded.connectors, billing] };
}

beforeAll(async () => {
  fakeDateOnly(START);
  harness = await startAwsLambdaHarness({
    estate: estate(),
    provisioningMs: 200,
    // Each rotation is delivered by the test, so that it sees the handler's answer.
    copies: 0,
    env: {
      RESTART_COALESCE_SECONDS: String(WINDOW_SECONDS),
      RESTART_COALESCE_MAX_SECONDS: String(CAP_SECONDS),
    },
  });
  for (const secret of [USER, PASSWORD]) {
    harness.cloud.secretsManager.control.seed(secret.name, 'v1', {}, { region: 'us-east-1', arnSuffix: secret.suffix });
  }
  jest.isolateModules(() => {
    retryHandler = loadRotationRetryHandler();
  });
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  sdk = new SecretsManagerClient({ ...local, endpoint: harness.cloud.secretsManager.url });
  dynamo = new DynamoDBClient({ ...local, endpoint: harness.stack.dynamo.endpoint });
});

beforeEach(() => {
  output = captureProcessOutput();
});

afterEach(() => {
  output.restore();
});

afterAll(async () => {
  sdk.destroy();
  dynamo.destroy();
  await harness.close();
  jest.useRealTimers();
});

/** To `ms` after the start, never back: real time runs on between the steps (a restart verifies for a second). */
const at = (ms: number) => jest.setSystemTime(Math.max(Date.now(), START + ms));
const billing = () => harness.cloud.confluent.control.connector(BILLING);
const queued = () => harness.stack.sqs.control.messages(LOCAL_QUEUES.rotationRetries);
const deadLetters = () => harness.stack.sqs.control.messages(LOCAL_QUEUES.rotationRetriesDeadLetter);
const billingEvents = () =>
  harness.stack.eventBridge.control
    .events()
    .map((event) => ({ detailType: event.detailType, detail: event.detail as unknown as OutcomeEventDetail }))
    .filter((event) => event.detail.connector === BILLING);

/** Rotates `secret` in the local Secrets Manager; the label event, for the test to deliver. */
async function rotate(secret: { name: string }, value: string): Promise<SecretLabelUpdatedEvent> {
  const put = await sdk.send(new PutSecretValueCommand({ SecretId: secret.name, SecretString: value }));
  await harness.cloud.secretsManager.control.settled();
  const event = harness.cloud.secretsManager.control
    .events()
    .find((e) => e.detail.versionId === put.VersionId && e.detail.labelUpdated === 'AWSCURRENT');
  if (!event) throw new Error(`no label event for ${secret.name}`);
  return event;
}

/** The EventBridge rule's delivery to onSecretRotated: its one answer. */
async function deliver(event: SecretLabelUpdatedEvent, handler?: LambdaHandler): Promise<EventSummary> {
  const answer = (await (handler ?? harness.handler)(event, lambdaContext())) as { results: EventSummary[] };
  expect(answer.results).toHaveLength(1);
  return answer.results[0] as EventSummary;
}

/** Every record Lambda's SQS poller handed to retryPendingRotations, as it was handed out. */
const handedOut: SQSRecord[] = [];

/**
 * Lambda's SQS poller on the retry queue: each message visible now, one per invocation (batch size 1); a handled
 * one is deleted. `adjust` changes a record as handed out. How many invocations it made.
 */
async function poll(handler = retryHandler, adjust: (record: SQSRecord) => SQSRecord = (record) => record) {
  let invocations = 0;
  for (;;) {
    const [record] = harness.stack.sqs.control.receiveEvent(LOCAL_QUEUES.rotationRetries, 1).Records;
    if (!record) return invocations;
    const batch: SQSEvent = { Records: [adjust(record)] };
    handedOut.push(batch.Records[0] as SQSRecord);
    const response = (await handler(batch, lambdaContext())) as SQSBatchResponse;
    invocations += 1;
    if (response.batchItemFailures.length === 0) {
      harness.stack.sqs.control.deleteReceived(LOCAL_QUEUES.rotationRetries, [record.receiptHandle]);
    }
  }
}

/** Polls every `stepSeconds` from `fromSeconds` until the queue is empty (or `untilSeconds`). */
async function drain(fromSeconds: number, untilSeconds: number, stepSeconds = 5, handler = retryHandler) {
  for (let second = fromSeconds; second <= untilSeconds && queued().length > 0; second += stepSeconds) {
    at(second * 1000);
    await poll(handler);
  }
}

/**
 * A queued message comes back when its rotation is due: never before, and within the second its delay was rounded
 * up by (and the send's own latency). Its delay is the whole seconds from the send to the due time, so a slow reload
 * may make it 29 s of 30.
 */
function expectBackWhenDue(message: { sentAt: number; delaySeconds: number } | undefined, dueAt: string | undefined) {
  const back = (message?.sentAt ?? 0) + (message?.delaySeconds ?? 0) * 1000;
  expect(back).toBeGreaterThanOrEqual(Date.parse(dueAt ?? ''));
  expect(back).toBeLessThan(Date.parse(dueAt ?? '') + 1500);
}

/** Idempotency records of the rotation path, by status. */
async function idempotencyStatuses(): Promise<string[]> {
  const scan = await dynamo.send(new ScanCommand({ TableName: LOCAL_TABLES.idempotency }));
  return (scan.Items ?? [])
    .filter((item) => item.id?.S?.startsWith('secret-version#'))
    .map((item) => item.status?.S ?? '?');
}

/** The coalesced restart the latest outcome event of (`secret`, `version`) names. */
function coalescedRestartOf(secret: string, version: string) {
  return billingEvents()
    .filter((event) => event.detail.secret === secret && event.detail.version === version)
    .at(-1)?.detail.coalescedRestart;
}

describe('coalescing on AWS: the rotation retry queue', () => {
  it('two secrets rotated 5 s apart, window 30 s: one restart after the second, and both reports name it', async () => {
    // Prepare
    const restartsBefore = billing().restarts;
    const completedBefore = (await idempotencyStatuses()).filter((status) => status === 'COMPLETED').length;
    const handedBefore = handedOut.length;

    // Act: the user at 0 s, the password at 5 s; the queue polled as Lambda's poller would, at 32 s and at 38 s
    // (a second or two after the due times: a message is sent a little after its rotation, more so on a busy machine).
    at(0);
    const userEvent = await rotate(USER, 'billing-user-v2');
    const userAnswer = await deliver(userEvent);
    const firstQueued = queued();
    at(5_000);
    const passwordEvent = await rotate(PASSWORD, 'billing-password-v2');
    const passwordAnswer = await deliver(passwordEvent);
    const restartsWhileWaiting = billing().restarts;
    const statusesWhileWaiting = await idempotencyStatuses();
    at(32_000);
    const atThirtyTwo = await poll();
    const restartsAtThirtyTwo = billing().restarts;
    // The password's message, then the user's again, until the group is due.
    const afterThirtyTwo = queued();
    at(38_000);
    const atThirtyEight = await poll();
    await drain(50, 80);

    // Assess: each rotation waits in the window (nothing completed), the user's comes back at 30 s and waits again
    // until 35 s, when one restart applies both.
    expect(userAnswer).toMatchObject({
      kind: 'deferred',
      waiting: [BILLING],
      dueAt: expect.stringMatching(/^2026-11-27T12:00:30\./),
    });
    expect(passwordAnswer).toMatchObject({
      kind: 'deferred',
      waiting: [BILLING],
      dueAt: expect.stringMatching(/^2026-11-27T12:00:35\./),
    });
    expect(firstQueued).toHaveLength(1);
    expect(firstQueued[0]?.delaySeconds).toBe(userAnswer.retryInSeconds);
    expect(userAnswer.retryInSeconds).toBeGreaterThanOrEqual(WINDOW_SECONDS - 1);
    expect(userAnswer.retryInSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    expectBackWhenDue(firstQueued[0], userAnswer.dueAt);
    expect(restartsWhileWaiting).toBe(restartsBefore);
    expect(statusesWhileWaiting.filter((status) => status === 'COMPLETED')).toHaveLength(completedBefore);
    expect(atThirtyTwo).toBe(1);
    expect(restartsAtThirtyTwo).toBe(restartsBefore);
    expect(afterThirtyTwo).toHaveLength(2);
    expectBackWhenDue(afterThirtyTwo[0], passwordAnswer.dueAt);
    // The user's rotation waits again, now for the group's due time, which the password's arrival moved.
    expectBackWhenDue(afterThirtyTwo[1], passwordAnswer.dueAt);
    expect(atThirtyEight).toBeGreaterThanOrEqual(2);
    expect(billing().restarts).toBe(restartsBefore + 1);
    expect(billing().state).toBe('RUNNING');
    expect(billing().heldVersions).toEqual({
      [arn(USER)]: userEvent.detail.versionId,
      [arn(PASSWORD)]: passwordEvent.detail.versionId,
    });
    const userRestart = coalescedRestartOf(arn(USER), userEvent.detail.versionId);
    const passwordRestart = coalescedRestartOf(arn(PASSWORD), passwordEvent.detail.versionId);
    expect(userRestart?.id).toMatch(/^env-prod01\/lkc-orders1\/billing-db-cdc@2026-11-27T12:00:3\d/);
    expect(passwordRestart).toEqual(userRestart);
    expect(Date.parse(userRestart?.at ?? '')).toBeGreaterThanOrEqual(START + 5_000 + WINDOW_SECONDS * 1000);
    expect(userRestart?.covers).toEqual([
      { secret: arn(PASSWORD), version: passwordEvent.detail.versionId },
      { secret: arn(USER), version: userEvent.detail.versionId },
    ]);
    // Every wait was announced as a coalescing skip with its due time and the versions the restart would apply.
    const waits = billingEvents().filter((event) => event.detail.reason === 'coalescing');
    expect(waits.length).toBeGreaterThanOrEqual(3);
    expect(waits.at(-1)?.detail.coalescing?.pending).toHaveLength(2);
    // A deferral is not a try: every message kept the first try's number, and nothing was dead-lettered.
    expect(
      handedOut.slice(handedBefore).map((record) => record.messageAttributes[ATTEMPT_ATTRIBUTE]?.stringValue),
    ).toEqual(handedOut.slice(handedBefore).map(() => '1'));
    expect(queued()).toEqual([]);
    expect(deadLetters()).toEqual([]);
    expect((await idempotencyStatuses()).filter((status) => status === 'COMPLETED')).toHaveLength(completedBefore + 2);
    expect(
      output
        .lines()
        .filter((line) => line.message === 'rotation waits for its coalesced restart: queued until it is due'),
    ).not.toHaveLength(0);
  });

  it('a duplicate delivery by the rule and a message SQS hands out twice still make one restart', async () => {
    // Prepare
    const restartsBefore = billing().restarts;
    at(400_000);
    const event = await rotate(USER, 'billing-user-v3');
    const first = await deliver(event);

    // Act: EventBridge delivers the event again 2 s later; at the due time SQS hands one message to two pollers.
    at(402_000);
    const duplicate = await deliver(event);
    const queuedAfterDuplicate = queued().length;
    at(431_000);
    const [record] = harness.stack.sqs.control.receiveEvent(LOCAL_QUEUES.rotationRetries, 1).Records;
    if (!record) throw new Error('the rotation was not queued');
    const twice = (await Promise.all(
      [1, 2].map(() => retryHandler({ Records: [record] } satisfies SQSEvent, lambdaContext())),
    )) as SQSBatchResponse[];
    harness.stack.sqs.control.deleteReceived(LOCAL_QUEUES.rotationRetries, [record.receiptHandle]);
    await poll();
    await drain(445, 475);

    // Assess: the duplicate joins the group without moving its due time; one restart; every report names it.
    expect(first).toMatchObject({ kind: 'deferred', waiting: [BILLING] });
    expect(duplicate).toMatchObject({ kind: 'deferred', dueAt: first.dueAt });
    expect(queuedAfterDuplicate).toBe(2);
    expect(twice.map((response) => response.batchItemFailures)).toEqual([[], []]);
    const messages = output.lines().map((line) => line.message);
    // One copy of the message handled it; the other met it in progress; the rule's duplicate got the stored result.
    expect(messages).toContain('duplicate delivery while another invocation handles this version');
    expect(messages).toContain('duplicate delivery: this version was already handled');
    expect(billing().restarts).toBe(restartsBefore + 1);
    expect(billing().heldVersions[arn(USER)]).toBe(event.detail.versionId);
    const finals = billingEvents().filter(
      (e) => e.detail.version === event.detail.versionId && e.detail.reason !== 'coalescing',
    );
    expect(finals.length).toBeGreaterThanOrEqual(1);
    expect(new Set(finals.map((e) => e.detail.coalescedRestart?.id))).toEqual(
      new Set([coalescedRestartOf(arn(USER), event.detail.versionId)?.id]),
    );
    expect(finals.filter((e) => e.detail.result === 'restarted')).toHaveLength(1);
    expect(queued()).toEqual([]);
    expect(deadLetters()).toEqual([]);
  });

  it(`a steady stream of rotations restarts once the ${CAP_SECONDS} s cap is reached, not only when it stops`, async () => {
    // Prepare: the user rotated every 20 s for 160 s, always within the 30 s window of the one before.
    const restartsBefore = billing().restarts;
    const rotations: { version: string; at: number }[] = [];

    // Act: the queue polled every second, as Lambda's poller would.
    for (let second = 1000; second <= 1160; second += 1) {
      at(second * 1000);
      if ((second - 1000) % 20 === 0) {
        const event = await rotate(USER, `billing-user-stream-${second}`);
        rotations.push({ version: event.detail.versionId, at: Date.now() });
        await deliver(event);
      }
      await poll();
    }
    const restartsDuringStream = billing().restarts - restartsBefore;
    await drain(1161, 1260, 1);

    // Assess: without the cap no restart would come before the stream stops (each version is superseded within the
    // window, and ends as version-not-current); with it, no rotation waits longer than the cap for a restart that
    // applies it or a later version, and the stream still takes far fewer restarts than rotations.
    const streamed = new Set(rotations.map((rotation) => rotation.version));
    const restartTimes = billingEvents()
      .filter((event) => event.detail.result === 'restarted' && streamed.has(event.detail.version ?? ''))
      .map((event) => Date.parse(event.detail.coalescedRestart?.at ?? ''));
    expect(restartsDuringStream).toBeGreaterThanOrEqual(2);
    expect(restartTimes).toHaveLength(billing().restarts - restartsBefore);
    for (const rotation of rotations) {
      const applied = restartTimes.find((time) => time >= rotation.at);
      expect(applied).toBeDefined();
      // The cap, then the poll's second, the delay rounded up, and the real time the steps take on a busy machine.
      expect((applied ?? Number.POSITIVE_INFINITY) - rotation.at).toBeLessThanOrEqual((CAP_SECONDS + 10) * 1000);
    }
    expect(restartTimes.length).toBeLessThanOrEqual(4);
    expect(billing().heldVersions[arn(USER)]).toBe(rotations.at(-1)?.version);
    expect(billing().state).toBe('RUNNING');
    expect(queued()).toEqual([]);
    expect(deadLetters()).toEqual([]);
  });

  it('a due time beyond SQS’s 900 s comes back at 900 s and is deferred again, even on its last try', async () => {
    // Prepare: a second cold start of both functions with a 20-minute window.
    process.env.RESTART_COALESCE_SECONDS = '1200';
    process.env.RESTART_COALESCE_MAX_SECONDS = '1800';
    let onRotation: LambdaHandler | undefined;
    let onRetry: LambdaHandler | undefined;
    jest.isolateModules(() => {
      onRotation = loadRotationHandler();
      onRetry = loadRotationRetryHandler();
    });
    process.env.RESTART_COALESCE_SECONDS = String(WINDOW_SECONDS);
    process.env.RESTART_COALESCE_MAX_SECONDS = String(CAP_SECONDS);
    const restartsBefore = billing().restarts;
    const onLastTry = (record: SQSRecord): SQSRecord => ({
      ...record,
      messageAttributes: {
        ...record.messageAttributes,
        [ATTEMPT_ATTRIBUTE]: {
          dataType: 'Number',
          stringValue: String(MAX_PENDING_ATTEMPTS),
          stringListValues: [],
          binaryListValues: [],
        },
      },
    });

    // Act
    at(2_000_000);
    const event = await rotate(PASSWORD, 'billing-password-v3');
    const answer = await deliver(event, onRotation);
    const [first] = queued();
    at(2_000_000 + 899_000);
    const early = await poll(onRetry);
    // A little later: the message was sent a few real milliseconds after the rotation.
    at(2_000_000 + 903_000);
    const back = await poll(onRetry, onLastTry);
    const [again] = queued();
    const restartsAfterRedeferral = billing().restarts;
    await drain(2_000 + 1_201, 2_000 + 1_260, 5, onRetry);

    // Assess
    expect(answer).toMatchObject({ kind: 'deferred', retryInSeconds: MAX_DELAY_SECONDS });
    expect(first?.delaySeconds).toBe(MAX_DELAY_SECONDS);
    expect(first?.attributes[DUE_AT_ATTRIBUTE]?.StringValue).toBe(answer.dueAt);
    expect(early).toBe(0);
    expect(back).toBe(1);
    expectBackWhenDue(again, answer.dueAt);
    expect(again?.attributes[ATTEMPT_ATTRIBUTE]?.StringValue).toBe(String(MAX_PENDING_ATTEMPTS));
    expect(deadLetters()).toEqual([]);
    expect(restartsAfterRedeferral).toBe(restartsBefore);
    expect(billing().restarts).toBe(restartsBefore + 1);
    expect(billing().heldVersions[arn(PASSWORD)]).toBe(event.detail.versionId);
    expect(coalescedRestartOf(arn(PASSWORD), event.detail.versionId)).toBeDefined();
    expect(queued()).toEqual([]);
  });
});
