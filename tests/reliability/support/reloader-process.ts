import { type LambdaHandler, lambdaContext, loadRotationHandler } from '#local/lambda-invoker';

/**
 * One reloader instance in a process of its own, as a Lambda execution environment is: it loads the real
 * `onSecretRotated` handler from its environment (a cold start) and invokes it for every event its parent sends over
 * IPC, answering with what the handler returned or threw. Nothing is shared with the other instances but what they
 * reach over loopback: the Confluent emulator, Secrets Manager and the state tables (dynalite). Run by
 * multi-process-rate.test.ts with `node --import tsx`.
 */
export type ToInstance = { readonly id: number; readonly event: unknown } | { readonly stop: true };
export type FromInstance =
  | { readonly ready: true }
  | { readonly id: number; readonly result: unknown }
  | { readonly id: number; readonly error: string };

const send = (message: FromInstance) => process.send?.(message);

let handler: LambdaHandler;
try {
  handler = loadRotationHandler();
} catch (error) {
  process.stderr.write(`instance failed to start: ${(error as Error).message}\n`);
  process.exit(1);
}

process.on('message', (message: ToInstance) => {
  if ('stop' in message) {
    process.disconnect();
    return;
  }
  handler(message.event, lambdaContext(900_000)).then(
    (result) => send({ id: message.id, result }),
    (error: unknown) => send({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
send({ ready: true });
