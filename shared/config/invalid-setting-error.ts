/** A setting is missing, malformed, or at odds with another: start-up stops with a message naming the variables. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
}
