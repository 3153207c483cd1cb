import { Readable, Writable } from 'node:stream';
import { Output } from '#cli/output';

/**
 * An Output whose stdout and stderr are kept in memory, for asserting on what the CLI prints. Its stdin is never a
 * terminal, whatever runs the tests, unless `answers` are given: then it is one, and types them in turn.
 */
export function capturedOutput(options: { answers?: readonly string[] } = {}) {
  const chunks = { out: '', err: '' };
  const sink = (key: 'out' | 'err') =>
    new Writable({
      write(chunk, _encoding, done) {
        chunks[key] += String(chunk);
        done();
      },
    });
  const input = Object.assign(Readable.from(options.answers?.map((answer) => `${answer}\n`) ?? []), {
    isTTY: options.answers !== undefined,
  });
  return { output: new Output(sink('out'), sink('err'), input), chunks };
}
