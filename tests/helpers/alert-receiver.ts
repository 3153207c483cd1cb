import { readBody, startLoopbackHttp } from '#local/loopback';

/** One alert as the incoming-webhook receiver got it. */
export interface ReceivedAlert {
  readonly path: string;
  /** The raw body, for searching it for canaries. */
  readonly text: string;
  readonly body: { severity: string; title: string; lines: string[] } & Record<string, unknown>;
}

/** A loopback stand-in for a Slack/Teams/generic incoming webhook: records every alert, answers `status`. */
export async function startAlertReceiver() {
  const alerts: ReceivedAlert[] = [];
  let status = 200;
  let headers: Record<string, string> = {};
  /** Statuses for the next requests, in order, before `status` applies again. */
  let sequence: number[] = [];
  const server = await startLoopbackHttp(0, async (req, res) => {
    const text = await readBody(req);
    alerts.push({ path: req.url ?? '', text, body: JSON.parse(text) });
    res.writeHead(sequence.shift() ?? status, headers).end();
  });
  return {
    alerts,
    url: (path: string) => `${server.url}${path}`,
    respondWith(next: number, nextHeaders: Record<string, string> = {}, first: number[] = []) {
      status = next;
      headers = nextHeaders;
      sequence = [...first];
    },
    close: () => server.close(),
  };
}

export type AlertReceiver = Awaited<ReturnType<typeof startAlertReceiver>>;
