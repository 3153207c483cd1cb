import type { ProviderIntegrationListing, ProviderIntegrationSource } from '#core/provider-integration';
import { PROVIDER_INTEGRATION_APIS } from './api-facts';
import type { ConfluentClient } from './confluent-client';
import { ConfluentForbiddenError, ConfluentNotFoundError } from './confluent-errors';

/**
 * The ProviderIntegrationSource port on Confluent Cloud: pim/v1 and pim/v2 for one environment, merged by id. A 403
 * (the key may not read integrations) or 404 (the API is not offered: pim/v2 is Early Access) makes that API
 * "unreadable" with the reason, never an error; anything else (401, 5xx after retries) is thrown.
 */
export class ConfluentProviderIntegrations implements ProviderIntegrationSource {
  constructor(private readonly client: Pick<ConfluentClient, 'listProviderIntegrations'>) {}

  async listProviderIntegrations(environmentId: string): Promise<ProviderIntegrationListing> {
    const answers = await Promise.all(
      PROVIDER_INTEGRATION_APIS.map(async ({ api, stage }) => {
        try {
          return { integrations: await this.client.listProviderIntegrations(environmentId, api) };
        } catch (error) {
          if (!(error instanceof ConfluentForbiddenError || error instanceof ConfluentNotFoundError)) throw error;
          const meaning =
            error instanceof ConfluentForbiddenError
              ? 'the API key may not read provider integrations'
              : `${api} is not offered to this organisation${stage === 'GA' ? '' : ` (${stage})`}`;
          return { unreadable: { api, environmentId, reason: `HTTP ${error.status}: ${meaning}` } };
        }
      }),
    );
    const byId = new Map(answers.flatMap((answer) => answer.integrations ?? []).map((i) => [i.id, i]));
    return {
      integrations: [...byId.values()],
      unreadable: answers.flatMap((answer) => (answer.unreadable ? [answer.unreadable] : [])),
    };
  }
}
