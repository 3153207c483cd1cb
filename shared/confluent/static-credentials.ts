import type { Credentials, CredentialsProvider } from './confluent-http';

/**
 * Fixed credentials, for tests and the CLI. Private fields keep the secret out of `console.log` and `util.inspect`.
 */
export class StaticCredentials implements CredentialsProvider {
  readonly #apiKey: string;
  readonly #apiSecret: string;

  constructor(apiKey: string, apiSecret: string) {
    this.#apiKey = apiKey;
    this.#apiSecret = apiSecret;
  }

  async get(): Promise<Credentials> {
    return { apiKey: this.#apiKey, apiSecret: this.#apiSecret };
  }

  invalidate(): void {
    // Nothing cached, nothing to forget.
  }
}
