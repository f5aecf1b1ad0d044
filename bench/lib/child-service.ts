import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A helper process the bench talks to over IPC, one request at a time. */
export interface ChildService<Ready> {
  /** What the child sent once it was listening. */
  readonly ready: Ready;
  /** Sends `message` and resolves with the child's next message. */
  ask<Answer>(message: unknown): Promise<Answer>;
  close(): Promise<void>;
}

/**
 * Forks `entry` (a TypeScript module next to the caller) with this process's loader flags, so tsx
 * runs it too, and waits for its first message. Servers the bench only needs as counterparts (SQS,
 * DynamoDB, the exchange) run there: in the bench's own process their work would queue on the
 * same event loop as the code under test and be counted as its cost, where in AWS it is done on
 * other machines.
 */
export function startChildService<Ready>(
  entry: URL,
  args: readonly string[],
): Promise<ChildService<Ready>> {
  const child = fork(fileURLToPath(entry), [...args], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`${entry.pathname} exited with ${code} before answering`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message as T);
      });
    });
  return next<Ready>().then((ready) => ({
    ready,
    ask: <Answer>(message: unknown) => {
      const answer = next<Answer>();
      child.send(message as Parameters<typeof child.send>[0]);
      return answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        // Closing the channel is the child's signal to stop.
        child.disconnect();
      }),
  }));
}

/**
 * The child's side: answers each request with `answer(message)` and stops with `stop()` once the
 * parent closes the channel.
 */
export function serveParent(
  answer: (message: unknown) => unknown,
  stop: () => Promise<unknown>,
): void {
  process.on('message', (message) => {
    Promise.resolve(answer(message)).then(
      (reply) => process.send?.(reply as Parameters<NonNullable<typeof process.send>>[0]),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  process.on('disconnect', () => {
    stop().finally(() => process.exit(0));
  });
}
