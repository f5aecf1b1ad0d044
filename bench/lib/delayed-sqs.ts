import { startChildService } from './child-service.js';

export interface DelayedSqsReady {
  readonly sqsEndpoint: string;
  /** The proxy in front of `sqsEndpoint` that adds the delay. */
  readonly proxyUrl: string;
}

/** local-aws-sqs behind a delaying proxy, both in a child process. */
export interface DelayedSqs extends DelayedSqsReady {
  /** Requests the proxy has forwarded so far. */
  requests(): Promise<number>;
  close(): Promise<void>;
}

/** Starts local-aws-sqs and a proxy adding `delayMs` to every request, in a child process. */
export async function startDelayedSqs(delayMs: number): Promise<DelayedSqs> {
  const child = await startChildService<DelayedSqsReady>(
    new URL('./delayed-sqs-process.ts', import.meta.url),
    [String(delayMs)],
  );
  return {
    ...child.ready,
    requests: () => child.ask<number>('requests'),
    close: () => child.close(),
  };
}
