import host from '../../host.json';

/**
 * What the Functions host allows the app, from host.json (bundled at build time, so the code and the host read the
 * same file) or from the app settings that override it (`AzureFunctionsJobHost__<path>`, the host's documented way
 * to change a host.json value without a redeploy). Start-up checks the rotation work against these.
 */
export interface HostLimits {
  /** host.json `functionTimeout`: the host ends an invocation that runs longer (Flex Consumption: default 30 min). */
  readonly functionTimeoutSeconds: number;
  /** `extensions.queues.visibilityTimeout`: how long a message that failed stays invisible before its next try. */
  readonly queueRetryDelaySeconds: number;
  /** `extensions.queues.maxDequeueCount`: tries before the host moves a message to `<queue>-poison`. */
  readonly maxDequeueCount: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const OVERRIDES = {
  functionTimeout: 'AzureFunctionsJobHost__functionTimeout',
  visibilityTimeout: 'AzureFunctionsJobHost__extensions__queues__visibilityTimeout',
  maxDequeueCount: 'AzureFunctionsJobHost__extensions__queues__maxDequeueCount',
} as const;

/** `hh:mm:ss` or `d.hh:mm:ss` (a .NET TimeSpan, as host.json writes durations) in seconds; NaN when unreadable. */
export function timeSpanSeconds(text: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return Number.NaN;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
}

export function hostLimits(env: Env = process.env): HostLimits {
  const queues = host.extensions.queues;
  return {
    functionTimeoutSeconds: timeSpanSeconds(env[OVERRIDES.functionTimeout] ?? host.functionTimeout),
    queueRetryDelaySeconds: timeSpanSeconds(env[OVERRIDES.visibilityTimeout] ?? queues.visibilityTimeout),
    maxDequeueCount: Number(env[OVERRIDES.maxDequeueCount] ?? queues.maxDequeueCount),
  };
}

/** The setting a person changes for each limit: the override variable, else host.json. */
export function limitSource(limit: keyof typeof OVERRIDES, env: Env = process.env): string {
  const variable = OVERRIDES[limit];
  return env[variable] === undefined ? `host.json ${limit}` : variable;
}
