/**
 * What a hand-written script would do: list environments and clusters one by one, GET every connector's config,
 * restart the ones that mention the secret, one at a time. No concurrency, no expansions. Bench only.
 */
export async function naiveReload(baseUrl: string, apiKey: string, apiSecret: string, arn: string): Promise<number> {
  const headers = { Authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}` };
  const get = async (path: string): Promise<unknown> => {
    const response = await fetch(`${baseUrl}${path}`, { headers });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    return response.json();
  };
  const environments = (await get('/org/v2/environments?page_size=100')) as { data: { id: string }[] };
  let restarted = 0;
  for (const environment of environments.data) {
    const clusters = (await get(`/cmk/v2/clusters?environment=${environment.id}&page_size=100`)) as {
      data: { id: string }[];
    };
    for (const cluster of clusters.data) {
      const base = `/connect/v1/environments/${environment.id}/clusters/${cluster.id}/connectors`;
      const names = (await get(base)) as string[];
      for (const name of names) {
        const config = (await get(`${base}/${encodeURIComponent(name)}/config`)) as Record<string, string>;
        if (!Object.values(config).some((value) => value.includes(arn))) continue;
        const response = await fetch(`${baseUrl}${base}/${encodeURIComponent(name)}/restart`, {
          method: 'POST',
          headers,
        });
        if (response.status !== 202) throw new Error(`restart ${name}: ${response.status}`);
        restarted += 1;
      }
    }
  }
  return restarted;
}
