import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';

/** A local AWS service listening on 127.0.0.1. */
export interface LocalService {
  /** Base URL to hand to an AWS SDK client as `endpoint`. */
  readonly endpoint: string;
  /** Stops listening, drops open connections and, for dynalite, closes its database. */
  close(): Promise<void>;
}

/** The part of dynalite's options tickfan uses (dynalite ships no types). */
interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite is CommonJS without type declarations; requiring it lets us state the one signature we use.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

/** Milliseconds dynalite keeps a table CREATING/DELETING/UPDATING; its 500 ms default slows every run. */
const TABLE_TRANSITION_MS = 10;

/**
 * Starts dynalite (DynamoDB on LevelDB) in this process on a free port: in memory, or on disk at
 * `path` (created if missing) so state survives a restart.
 */
export async function startDynalite(options: { path?: string } = {}): Promise<LocalService> {
  if (options.path !== undefined) await mkdir(options.path, { recursive: true });
  const server = dynalite({
    path: options.path,
    createTableMs: TABLE_TRANSITION_MS,
    deleteTableMs: TABLE_TRANSITION_MS,
    updateTableMs: TABLE_TRANSITION_MS,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { endpoint: endpointOf(server), close: () => closeServer(server) };
}

/** Starts local-aws-sqs (SQS over the JSON protocol, FIFO and redrive included) on a free port. */
export async function startSqs(): Promise<LocalService> {
  const server = await createSqsServer({ port: 0, hostname: '127.0.0.1' });
  return { endpoint: endpointOf(server), close: () => closeServer(server) };
}

/**
 * Creates the FIFO queue of symbol ticks, `${name}.fifo`, and its dead-letter queue,
 * `${name}-dlq.fifo`, which receives a message after `maxReceiveCount` receives. Idempotent: if
 * the queues exist with other settings, their settings are brought up to date.
 */
export async function createSymbolQueues(
  client: SQSClient,
  options: { name: string; maxReceiveCount: number; visibilityTimeoutSeconds: number },
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlqUrl = await ensureQueue(client, `${options.name}-dlq.fifo`, {
    // The longest SQS allows, so a dead letter is still there when someone looks.
    MessageRetentionPeriod: String(14 * 24 * 3600),
  });
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const dlqArn = Attributes?.QueueArn;
  if (dlqArn === undefined) throw new Error(`queue ${dlqUrl} reported no QueueArn`);
  const queueUrl = await ensureQueue(client, `${options.name}.fifo`, {
    VisibilityTimeout: String(options.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: options.maxReceiveCount,
    }),
  });
  return { queueUrl, dlqUrl };
}

/** AWS SDK client settings for a local service: fixed region, dummy credentials. */
export function localAwsClientConfig(endpoint: string): {
  endpoint: string;
  region: 'us-east-1';
  credentials: { accessKeyId: 'local'; secretAccessKey: 'local' };
} {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

async function ensureQueue(
  client: SQSClient,
  queueName: string,
  attributes: Partial<Record<QueueAttributeName, string>>,
): Promise<string> {
  try {
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({
        QueueName: queueName,
        // Deduplication ids are always given (the tick id), never derived from the body.
        Attributes: { ...attributes, FifoQueue: 'true', ContentBasedDeduplication: 'false' },
      }),
    );
    if (QueueUrl === undefined) throw new Error(`CreateQueue ${queueName} returned no QueueUrl`);
    return QueueUrl;
  } catch (error) {
    // CreateQueue is idempotent only for identical attributes; a changed setting lands here.
    if (!(error instanceof Error && error.name === 'QueueNameExists')) throw error;
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (QueueUrl === undefined) throw new Error(`GetQueueUrl ${queueName} returned no QueueUrl`);
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: attributes }));
    return QueueUrl;
  }
}

function endpointOf(server: Server): string {
  const address = server.address() as AddressInfo | null;
  if (address === null) throw new Error('local service is not listening');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Closes `server`. SDK clients keep connections alive, and a server only finishes closing once
 * they are gone, so they are dropped rather than waited for.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
