import { Writable } from 'node:stream';
import { Output } from '../../cli/output';

/** An Output whose stdout and stderr are kept in memory, for asserting on what the CLI prints. */
export function capturedOutput() {
  const chunks = { out: '', err: '' };
  const sink = (key: 'out' | 'err') =>
    new Writable({
      write(chunk, _encoding, done) {
        chunks[key] += String(chunk);
        done();
      },
    });
  return { output: new Output(sink('out'), sink('err')), chunks };
}
