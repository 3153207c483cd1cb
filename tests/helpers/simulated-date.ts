/**
 * Fakes only Date, starting at `now`, for end-to-end tests on a simulated clock: the handlers, the emulators' delays
 * and timestamps all read it, while real timers keep the servers, the SDKs and the verification polls running.
 * `jest.setSystemTime` then moves the clock; `jest.useRealTimers()` ends it.
 */
export function fakeDateOnly(now: number): void {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
    advanceTimers: true,
    now,
  });
}
