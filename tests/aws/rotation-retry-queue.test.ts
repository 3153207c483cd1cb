import {
  checkRetryBudget,
  MAX_DELAY_SECONDS,
  MAX_PENDING_ATTEMPTS,
  retryDelaySeconds,
} from '../../functions/aws/rotation-retry-queue';
import { SETTINGS } from '../../shared/config/setting-table';

describe('the rotation retry queue: delays and budget', () => {
  it('waits until the holding lock expires, a little after, within SQS limits', () => {
    // Act
    const delays = [0, 1_000, 60_000, 899_000, 3_600_000].map(retryDelaySeconds);

    // Assess
    expect(delays).toEqual([10, 10, 65, MAX_DELAY_SECONDS, MAX_DELAY_SECONDS]);
  });

  it('outlasts two locks of the default LOCK_TTL_SECONDS, and refuses a lock its tries cannot outlast', () => {
    // Prepare
    const defaultTtlMs = Number(SETTINGS.LOCK_TTL_SECONDS.default) * 1000;
    const longest = (MAX_PENDING_ATTEMPTS * MAX_DELAY_SECONDS * 1000) / 2;

    // Act
    const ok = () => checkRetryBudget(defaultTtlMs);
    const edge = () => checkRetryBudget(longest);
    const tooLong = () => checkRetryBudget(longest + 1_000);

    // Assess
    expect(ok).not.toThrow();
    expect(edge).not.toThrow();
    expect(tooLong).toThrow(/LOCK_TTL_SECONDS \(3601\) must be at most 3600/);
  });
});
