import * as z from 'zod/mini';
import { describeIssues } from '#validation/issue-text';

describe('describeIssues', () => {
  it('describes zod/mini issues by path and problem without quoting the input', () => {
    // Prepare
    const schema = z.object({
      id: z.string(),
      tasks: z.array(z.number()).check(z.minLength(1)),
      kind: z.enum(['a', 'b']),
      spec: z.strictObject({}),
      own: z.string().check(z.minLength(3, 'expected a longer name')),
    });
    const result = schema.safeParse({ id: 7, tasks: [], kind: 'secret-value', spec: { x: 1 }, own: 'ab' });

    // Act
    const text = describeIssues(result.error?.issues ?? []);

    // Assess
    expect(text).toBe(
      'id: expected string; tasks: expected at least 1 item(s); kind: expected "a" or "b"; ' +
        'spec: unexpected key(s) x; own: expected a longer name',
    );
    expect(text).not.toContain('secret-value');
  });

  it('keeps the first issues only when asked and names the root', () => {
    // Prepare
    const result = z.array(z.string()).safeParse({});

    // Act
    const text = describeIssues(result.error?.issues ?? [], 1);

    // Assess
    expect(text).toBe('(root): expected array');
  });
});
