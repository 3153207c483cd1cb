import { type ConnectorRef, connectorKey } from '#core/connector-ref';
import { FORBIDDEN_STATUS, LIFECYCLE_PERMISSION_NEEDED } from './api-facts';
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

/**
 * The Cloud API key may not restart the connector by any means it has (403 Forbidden on each): a role is missing,
 * not a transient fault, so it is never retried. Names what is needed.
 */
export class RestartPermissionError extends ConfluentError {
  override readonly name: string = 'RestartPermissionError';
  readonly status = FORBIDDEN_STATUS;
  /** A permission error does not go away on a retry: only a person granting the role fixes it. */
  readonly retryable = false;
  /** The calls that answered 403, in order. */
  readonly refused: readonly string[];

  constructor(ref: ConnectorRef, refused: readonly string[], options: { leftPaused?: boolean } = {}) {
    super(
      { operation: refused.at(-1) ?? 'restart', connector: connectorKey(ref) },
      `Connector ${connectorKey(ref)}: the Cloud API key may not ${refused.join(' nor ')} it (403 Forbidden)${
        options.leftPaused ? '; it is left PAUSED by the reloader, which resumes it once allowed' : ''
      }. Restarting it needs ${LIFECYCLE_PERMISSION_NEEDED} ${ref.clusterId} (environment ${ref.environmentId}); not retried`,
    );
    this.refused = refused;
  }
}
