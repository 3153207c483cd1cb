/**
 * The native EventBridge event Secrets Manager puts on the default bus when a staging label moves
 * (cloud-events.md §1.1.A; field names as in event-samples/aws-secret-label-updated.json).
 */
export interface SecretLabelUpdatedEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Secret Label Updated';
  readonly source: 'aws.secretsmanager';
  readonly account: string;
  /** ISO 8601 to the second, e.g. `2024-02-06T16:43:48Z`. */
  readonly time: string;
  readonly region: string;
  /** The secret's full ARN. */
  readonly resources: readonly string[];
  readonly detail: {
    /** The secret's friendly name. */
    readonly name: string;
    /** The label now attached to `versionId`. */
    readonly labelUpdated: string;
    readonly versionId: string;
  };
}

import type { IdentityPolicy } from './access-policy';

export interface SecretsManagerFaults {
  /** Added to every request before it is answered. */
  latencyMs: number;
  /** The next N requests get 400 ThrottlingException (the SDK retries those). */
  throttleNext: number;
  /** The next N requests get 500 InternalServiceError. */
  failNext: number;
}

export interface SecretsManagerEmulatorOptions {
  /** Default 0: a random free port on 127.0.0.1. */
  port?: number;
  /** Default '123456789012'. */
  accountId?: string;
  /** Region for requests that carry none in their signature, and for `seed` without a region. Default 'us-east-1'. */
  region?: string;
  /**
   * Receives the native event for every label move AWS would publish: AWSCURRENT and custom labels, never AWSPENDING
   * or AWSPREVIOUS. Called after the API call has answered, like EventBridge; rejections are kept in `deliveryErrors`.
   */
  onLabelUpdated?: (event: SecretLabelUpdatedEvent) => void | Promise<void>;
  faults?: Partial<SecretsManagerFaults>;
  /** What the callers may do, as IAM would decide it (everything when omitted). */
  identityPolicy?: IdentityPolicy;
  /** Epoch ms clock for CreatedDate, LastChangedDate and event times. Default Date.now. */
  now?: () => number;
}

/**
 * One API call as the emulator saw it. Holds only identifiers and labels picked from the request: never
 * SecretString or SecretBinary, so the log itself can be checked for leaks.
 */
export interface RecordedOperation {
  /** The X-Amz-Target operation, e.g. `DescribeSecret`; '' when the target was missing. */
  readonly operation: string;
  /** From the request's SigV4 credential scope, else the default region. */
  readonly region: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** 0 while no response was sent. */
  status: number;
  errorType?: string;
  /** Arrival time on the emulator's clock. */
  readonly at: number;
}

export interface SeedOptions {
  /** Default: the emulator's region. */
  readonly region?: string;
  readonly description?: string;
  /** The 6-character ARN suffix to use instead of a random one. */
  readonly arnSuffix?: string;
}

export interface SecretsManagerControl {
  /** Creates a secret with one AWSCURRENT version, out of band (no label event); returns its full ARN. */
  seed(name: string, value: string, tags?: Readonly<Record<string, string>>, options?: SeedOptions): string;
  /**
   * Rotates like a rotation Lambda: puts `value` as AWSPENDING, moves AWSCURRENT to it (AWSPREVIOUS follows), then
   * drops AWSPENDING. Publishes the label event. Returns the new version id.
   */
  rotate(secretId: string, value: string, options?: { readonly region?: string }): string;
  /** The next `count` requests get 400 ThrottlingException. */
  setThrottle(count: number): void;
  setFaults(faults: Partial<SecretsManagerFaults>): void;
  /** Restricts callers to `policy` (AccessDeniedException for the rest, as AWS answers it); undefined lifts it. */
  setIdentityPolicy(policy: IdentityPolicy | undefined): void;
  /** Requests received, faulted ones included; optionally only one operation. */
  requestCount(operation?: string): number;
  /** Copies of the recorded operations, oldest first. */
  operations(): RecordedOperation[];
  resetOperations(): void;
  /** Every label event published so far. */
  events(): SecretLabelUpdatedEvent[];
  /** Resolves once every `onLabelUpdated` delivery started so far (and any it caused) has finished. */
  settled(): Promise<void>;
  /** Messages of `onLabelUpdated` rejections. */
  deliveryErrors(): string[];
}

export interface SecretsManagerEmulator {
  /** `http://127.0.0.1:<port>`: pass as the SDK client's `endpoint`. */
  readonly url: string;
  readonly control: SecretsManagerControl;
  close(): Promise<void>;
}
