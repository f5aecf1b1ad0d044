import { startChildService } from './child-service.js';

export interface LocalAwsReady {
  readonly dynamoEndpoint: string;
  readonly sqsEndpoint: string;
}

/** dynalite and local-aws-sqs in a child process, as the fan-out's counterparts. */
export interface LocalAws extends LocalAwsReady {
  close(): Promise<void>;
}

/**
 * Starts dynalite and local-aws-sqs in a child process, so their work does not queue on the
 * bench's event loop and count as the measured code's (in AWS it runs on other machines).
 */
export async function startLocalAws(): Promise<LocalAws> {
  const child = await startChildService<LocalAwsReady>(
    new URL('./local-aws-process.ts', import.meta.url),
    [],
  );
  return { ...child.ready, close: () => child.close() };
}
