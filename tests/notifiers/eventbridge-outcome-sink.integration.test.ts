import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { OutcomeReport } from '#core/outcome-report';
import type { ReloadOutcome, ReloadReport } from '#core/reload-plan';
import { type EventBridgeEmulator, startEventBridgeEmulator } from '#local/eventbridge-emulator';
import { EventBridgeOutcomeSink, OutcomePublishError } from '#notifiers/eventbridge-outcome-sink';

let bus: EventBridgeEmulator;
let client: EventBridgeClient;

beforeAll(async () => {
  bus = await startEventBridgeEmulator();
  client = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: bus.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

beforeEach(() => bus.control.reset());

afterAll(async () => {
  client.destroy();
  await bus.close();
});

function report(count: number): ReloadReport {
  const outcomes: ReloadOutcome[] = Array.from({ length: count }, (_, index) => ({
    connector: { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: `c${index}` },
    sources: ['config-scan'],
    result: 'restarted',
    method: 'restart',
  }));
  const at = new Date('2026-03-14T09:27:30Z');
  return { trigger: 't', secret: 's', version: 'v', dryRun: false, notes: [], outcomes, startedAt: at, finishedAt: at };
}

const rotation = (count: number): OutcomeReport => ({ kind: 'rotation', report: report(count) });

describe('EventBridgeOutcomeSink over the real EventBridge client', () => {
  it('publishes one entry per outcome in calls of at most 10, on the configured bus', async () => {
    // Prepare
    const sink = new EventBridgeOutcomeSink({ client, eventBusName: 'reloads' });

    // Act
    await sink.deliver(rotation(23));

    // Assess
    expect(bus.control.rawRequests()).toHaveLength(3);
    const events = bus.control.events();
    expect(events).toHaveLength(23);
    expect(events[0]).toMatchObject({
      source: 'connector-reloader',
      detailType: 'Connector Reload Succeeded',
      eventBusName: 'reloads',
    });
  });

  it('retries entries PutEvents reports as failed (FailedEntryCount) and sends each once', async () => {
    // Prepare
    bus.control.failNextEntries(2);
    const sink = new EventBridgeOutcomeSink({ client, eventBusName: 'default' });

    // Act
    await sink.deliver(rotation(3));

    // Assess
    expect(bus.control.events().map((event) => event.detail.connector)).toEqual([
      'env-prod01/lkc-orders1/c2',
      'env-prod01/lkc-orders1/c0',
      'env-prod01/lkc-orders1/c1',
    ]);
  });

  it('throws OutcomePublishError with the error codes when entries keep failing', async () => {
    // Prepare
    bus.control.failNextEntries(100);
    const sink = new EventBridgeOutcomeSink({ client, eventBusName: 'default' });

    // Act / Assess
    await expect(sink.deliver(rotation(1))).rejects.toThrow(OutcomePublishError);
    await expect(sink.deliver(rotation(1))).rejects.toThrow(/InternalFailure/);
  });

  it('delivers recovery outcomes with the report time, beside rotation ones', async () => {
    // Prepare
    const sink = new EventBridgeOutcomeSink({ client, eventBusName: 'default' });
    const finishedAt = new Date('2026-03-14T09:27:30Z');
    const connector = { environmentId: 'env-prod01', clusterId: 'lkc-pay01', name: 'payments-http-sink' };

    // Act
    await sink.deliver({
      kind: 'recovery',
      report: {
        trigger: 'sweep',
        dryRun: false,
        clustersListed: 1,
        outcomes: [{ connector, result: 'skipped', reason: 'budget-exhausted', detail: 'spent', alert: true }],
        startedAt: finishedAt,
        finishedAt,
      },
    });
    await sink.deliver(rotation(1));

    // Assess
    expect(bus.control.events()).toEqual([
      expect.objectContaining({
        source: 'connector-reloader',
        detailType: 'Connector Restart Budget Exhausted',
        detail: expect.objectContaining({ connector: 'env-prod01/lkc-pay01/payments-http-sink', trigger: 'sweep' }),
        time: expect.stringMatching(/^(2026-03-14T09:27:30|1773480450)/),
      }),
      expect.objectContaining({ detailType: 'Connector Reload Succeeded' }),
    ]);
  });
});
