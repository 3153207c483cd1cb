import { type ConnectorRef, connectorKey } from '../core/connector-ref';
import { ConfluentError } from './confluent-errors';

/** A scope names a cluster that cmk/v2 does not list in that environment. */
export class ClusterNotFoundError extends ConfluentError {
  override readonly name: string = 'ClusterNotFoundError';

  constructor(environmentId: string, clusterId: string) {
    super(
      { operation: 'list-clusters', scope: `${environmentId}/${clusterId}` },
      `Cluster ${clusterId} is not in environment ${environmentId} (or the API key cannot see it): check the scope "${environmentId}/${clusterId}"`,
    );
  }
}

/** Pause/resume asked for a connector that is already PAUSED: resuming it would undo someone's deliberate pause. */
export class ConnectorAlreadyPausedError extends ConfluentError {
  override readonly name: string = 'ConnectorAlreadyPausedError';

  constructor(ref: ConnectorRef) {
    super(
      { operation: 'pause-resume', connector: connectorKey(ref) },
      `Connector ${connectorKey(ref)} is already PAUSED: not restarting it by pause/resume, which would resume it`,
    );
  }
}

/** The connector did not reach PAUSED in time after a pause. */
export class PauseTimeoutError extends ConfluentError {
  override readonly name: string = 'PauseTimeoutError';
  readonly timeoutMs: number;
  readonly lastState: string;
  /** Whether a resume was accepted afterwards, so that the connector is not left paused by us. */
  readonly resumeSent: boolean;

  constructor(ref: ConnectorRef, timeoutMs: number, lastState: string, resumeSent: boolean) {
    super(
      { operation: 'pause-resume', connector: connectorKey(ref) },
      `Connector ${connectorKey(ref)} was not PAUSED ${timeoutMs} ms after the pause (last state ${lastState}); ${
        resumeSent ? 'a resume was sent' : 'the resume failed too: check the connector'
      }`,
    );
    this.timeoutMs = timeoutMs;
    this.lastState = lastState;
    this.resumeSent = resumeSent;
  }
}
