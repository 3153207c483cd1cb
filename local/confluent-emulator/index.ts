import { seedEstate } from '#local/seed-estate';
import { FaultInjector } from './faults';
import { RbacPolicy } from './permissions';
import { RequestRecorder } from './recorder';
import { route } from './routes';
import { startHttpServer } from './server';
import { EmulatorState } from './state';
import type {
  ConfluentEmulator,
  ConfluentEmulatorOptions,
  EmulatorControl,
  PimApiMode,
  PimVersion,
  RestartEndpointMode,
} from './types';

export { MASKED_VALUE, maskConfig } from './masking';
export type { LifecycleOperation } from './permissions';
export { INITIAL_SECRET_VERSION, TASK_STATES, UnknownConnectorError } from './state';
export type {
  ConfluentEmulator,
  ConfluentEmulatorOptions,
  ConnectorView,
  EmulatorControl,
  EmulatorFaults,
  PimApiMode,
  PimVersion,
  RecordedAuth,
  RecordedRequest,
  RestartEndpointMode,
  StartOutcome,
  TaskErrorState,
} from './types';

/** A stateful Confluent Cloud (connect/v1, org/v2, cmk/v2, pim/v1, pim/v2) on 127.0.0.1 for local runs and tests. */
export async function startConfluentEmulator(options: ConfluentEmulatorOptions = {}): Promise<ConfluentEmulator> {
  const now = options.now ?? Date.now;
  const estate = options.estate ?? seedEstate();
  const state = new EmulatorState(estate, now, {
    provisioningMs: options.provisioningMs ?? 400,
    pauseMs: options.pauseMs ?? 150,
    statusLagMs: options.statusLagMs ?? 100,
  });
  const rbac = new RbacPolicy();
  const faults = new FaultInjector(now);
  const recorder = new RequestRecorder();
  let restartEndpoint: RestartEndpointMode = 'available';
  const pimModes: Record<PimVersion, PimApiMode> = { v1: 'available', v2: 'available' };
  const pim = { integrations: estate.providerIntegrations ?? [], modes: pimModes };

  const server = await startHttpServer(options.port ?? 0, {
    apiKey: options.apiKey ?? 'local-api-key',
    apiSecret: options.apiSecret ?? 'local-api-secret',
    now,
    faults,
    recorder,
    handle: (request) => route(request, { state, restartEndpoint, rbac, pim }),
  });

  const control: EmulatorControl = {
    setFaults: (partial) => faults.set(partial),
    clearFaults: () => faults.clear(),
    setRestartEndpoint: (mode) => {
      restartEndpoint = mode;
    },
    forbid: (resource, operations) => rbac.forbid(resource, operations),
    allow: (resource) => rbac.allow(resource),
    setProviderIntegrationApi: (version, mode) => {
      pimModes[version] = mode;
    },
    rotateSecret: (secretId, version) => state.rotateSecret(secretId, version),
    failStaleConnectors: () => state.failStaleConnectors(),
    failConnector: (key, trace, opts) => state.failConnector(key, trace, opts),
    setStartOutcome: (key, outcome) => state.setStartOutcome(key, outcome),
    setAlwaysFails: (key, on) => state.setAlwaysFails(key, on),
    setSlowStart: (key, on) => state.setSlowStart(key, on),
    connector: (key) => state.view(key),
    connectors: () => state.views(),
    requests: () => recorder.all(),
    requestCount: (filter) => recorder.count(filter),
    resetRequests: () => recorder.reset(),
  };
  return { url: server.url, control, close: () => server.close() };
}
