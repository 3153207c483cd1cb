import type { RecoveryReport } from './recovery-report';
import type { ReloadReport } from './reload-plan';

/** Everything the reloader tells the outside world about: what notifiers (alerts, outcome events) receive. */
export type OutcomeReport =
  | { readonly kind: 'rotation'; readonly report: ReloadReport }
  | { readonly kind: 'recovery'; readonly report: RecoveryReport }
  | { readonly kind: 'secret-expiry'; readonly warning: SecretExpiryWarning };

export interface SecretExpiryWarning {
  readonly secret: string;
  readonly version: string | null;
  readonly expired: boolean;
  readonly expiresAt?: Date;
  readonly message: string;
}
