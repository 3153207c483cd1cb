import { fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type RecordedRequest, startConfluentEmulator } from '#local/confluent-emulator/index';
import { startDynalite } from '#local/dynalite-server';
import { createStateTable } from '#state/dynamodb-state-store';
import { benchEstate, secretArn } from './lib/bench-estate';
import type { FromWorker, ToWorker } from './lib/burst-worker';
import { envInt, type Figure, figure } from './lib/figures';

/**
 * §4b Burst across processes: as §4, N rotations (default 400) spread over 10 s against an emulator that answers 429
 * above 10 requests/s (one count for the server, as Confluent's is per organisation), but handled by P separate
 * reloader processes (default 8; burst-worker.ts), as concurrent Lambdas or Function App instances would, sharing
 * only the state table (dynalite) and its fleet-wide token bucket. Each process is configured for the full 10/s:
 * without the shared bucket they would send up to P × 10/s (BENCH_BURST_SHARED=false shows it).
 * BENCH_BURST_PROCESSES and BENCH_BURST_PROCESS_ROTATIONS size it.
 */
const SECTION = '§4b Burst, processes';
const RATE_LIMIT = 10;
const SPREAD_MS = 10_000;
const CLUSTERS = 20;
const PER_CLUSTER = 100;
const TABLE = 'bench-state';
/** CONFLUENT_RATE_BURST's default: the fleet bucket starts full. */
const BUCKET = 50;
const DEADLINE_MS = 15 * 60_000;
const WORKER = path.join(__dirname, 'lib/burst-worker.ts');

export async function burstProcesses(): Promise<Figure[]> {
  const processes = envInt('BENCH_BURST_PROCESSES', 8);
  const shared = process.env.BENCH_BURST_SHARED !== 'false';
  const rotations = Math.min(envInt('BENCH_BURST_PROCESS_ROTATIONS', 400), CLUSTERS * PER_CLUSTER);
  const stride = Math.floor((CLUSTERS * PER_CLUSTER) / rotations);
  const arns = Array.from({ length: rotations }, (_, i) => secretArn(`burst-processes/secret-${i}`));
  const estate = benchEstate({
    clusters: CLUSTERS,
    connectorsPerCluster: PER_CLUSTER,
    references: new Map(arns.map((arn, i) => [i * stride, arn])),
  });
  const emulator = await startConfluentEmulator({ estate, provisioningMs: 200 });
  const dynamo = await startDynalite({ createTableMs: 0 });
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createStateTable(client, TABLE);
  client.destroy();
  const env = {
    PATH: process.env.PATH ?? '',
    CONFLUENT_API_URL: emulator.url,
    CONFLUENT_CLOUD_API_KEY: 'local-api-key',
    CONFLUENT_CLOUD_API_SECRET: 'local-api-secret',
    CONFLUENT_RATE_LIMIT_PER_SECOND: String(RATE_LIMIT),
    CONFLUENT_SHARED_RATE_LIMIT: shared ? 'true' : 'false',
    VERIFY_TIMEOUT_SECONDS: '900',
    VERIFY_POLL_SECONDS: '1',
    VERIFY_SETTLE_SECONDS: '0',
    LOCK_TTL_SECONDS: '1200',
    LOG_LEVEL: 'error',
    BENCH_DYNAMO_ENDPOINT: dynamo.endpoint,
    BENCH_STATE_TABLE: TABLE,
  };
  const workers = await Promise.all(Array.from({ length: processes }, () => startWorker(env)));
  emulator.control.setFaults({ rateLimitPerSecond: RATE_LIMIT });
  emulator.control.resetRequests();
  try {
    const started = performance.now();
    const runs = arns.map(
      (arn, i) =>
        new Promise<{ restarted: number; errors: readonly string[] }>((resolve) => {
          setTimeout(
            () => {
              (workers[i % processes] as Worker).rotate(arn, 'v2').then(resolve);
            },
            Math.floor((i * SPREAD_MS) / rotations),
          );
        }),
    );
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadline = setTimeout(() => resolve('timeout'), DEADLINE_MS);
    });
    const results = await Promise.race([Promise.all(runs), timedOut]);
    clearTimeout(deadline);
    if (results === 'timeout') throw new Error(`burst did not finish within ${DEADLINE_MS / 60_000} min`);
    const wallMs = performance.now() - started;
    const requests = emulator.control.requests();
    const throttled = requests.filter((r) => r.status === 429).length;
    const answered = requests.length - throttled;
    const restarted = results.reduce((sum, r) => sum + r.restarted, 0);
    const errors = results.flatMap((r) => r.errors);
    const surfaced429 = errors.filter((e) => /429|rate/i.test(e)).length;
    const spanS = (Math.max(...requests.map((r) => r.at)) - Math.min(...requests.map((r) => r.at))) / 1000;
    return [
      figure(SECTION, 'processes × rotations', rotations, 'rotations', undefined, `${processes} processes`),
      figure(SECTION, 'restarts completed (RUNNING verified)', restarted, 'restarts', {
        goal: `= ${rotations}`,
        pass: restarted === rotations,
      }),
      figure(
        SECTION,
        '429s surfaced as errors',
        surfaced429,
        'errors',
        { goal: '0', pass: surfaced429 === 0 && errors.length === 0 },
        `${throttled} 429s absorbed by retries; ${errors.length} failed outcomes`,
      ),
      figure(
        SECTION,
        `aggregate rate at the emulator after the bucket (${BUCKET})`,
        Math.round(((requests.length - BUCKET) / spanS) * 10) / 10,
        'req/s',
        { goal: `≤ ${RATE_LIMIT}`, pass: requests.length - BUCKET <= RATE_LIMIT * spanS },
        `${requests.length} requests over ${spanS.toFixed(1)} s; busiest second ${busiestSecond(requests)}${shared ? '' : '; CONFLUENT_SHARED_RATE_LIMIT=false'}`,
      ),
      figure(
        SECTION,
        'wall time',
        Math.round(wallMs / 100) / 10,
        's',
        undefined,
        `floor: ${answered} calls / ${RATE_LIMIT} per s = ${(answered / RATE_LIMIT).toFixed(1)} s`,
      ),
    ];
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await emulator.close();
    await dynamo.close();
  }
}

interface Worker {
  rotate(secretArn: string, version: string): Promise<{ restarted: number; errors: readonly string[] }>;
  stop(): Promise<void>;
}

async function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (result: { restarted: number; errors: readonly string[] }) => void>();
  let sequence = 0;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`burst worker exited (${code})`)));
    child.on('message', (message: FromWorker) => {
      if ('ready' in message) return resolve();
      pending.get(message.id)?.({ restarted: message.restarted, errors: message.errors });
      pending.delete(message.id);
    });
  });
  return {
    rotate: (secretArn, version) =>
      new Promise((resolve) => {
        sequence += 1;
        pending.set(sequence, resolve);
        child.send({ id: sequence, secretArn, version } satisfies ToWorker);
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ stop: true } satisfies ToWorker);
      }),
  };
}

/** The most requests the emulator saw arrive within any one second. */
function busiestSecond(requests: readonly RecordedRequest[]): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let busiest = 0;
  let from = 0;
  for (let to = 0; to < times.length; to += 1) {
    while ((times[to] as number) - (times[from] as number) >= 1000) from += 1;
    busiest = Math.max(busiest, to - from + 1);
  }
  return busiest;
}
