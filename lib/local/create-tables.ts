import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { idempotencyTable, stateTable, type TableDefinition } from '../config/tables.js';

/** How long {@link createStateTable} waits for the table to become ACTIVE. */
const ACTIVE_TIMEOUT_MS = 30_000;
const POLL_MS = 20;

/**
 * Creates the state table (`stateTable` in `lib/tables.ts`) on a local DynamoDB and waits until
 * it is ACTIVE. Idempotent: an existing table is kept as it is. TTL is not switched on because
 * dynalite has no UpdateTimeToLive; items still carry the TTL attribute.
 */
export async function createStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await createTable(client, tableName, stateTable);
}

/** Creates the idempotency table (`idempotencyTable` in `lib/tables.ts`) on a local DynamoDB. */
export async function createIdempotencyTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<void> {
  await createTable(client, tableName, idempotencyTable);
}

async function createTable(
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition,
): Promise<void> {
  const keySchema: KeySchemaElement[] = [
    { AttributeName: definition.partitionKey, KeyType: 'HASH' },
  ];
  const attributes: AttributeDefinition[] = [
    { AttributeName: definition.partitionKey, AttributeType: 'S' },
  ];
  if (definition.sortKey !== undefined) {
    keySchema.push({ AttributeName: definition.sortKey, KeyType: 'RANGE' });
    attributes.push({ AttributeName: definition.sortKey, AttributeType: 'S' });
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: keySchema,
        AttributeDefinitions: attributes,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    // The table exists (or is still being created by an earlier call): wait for it all the same.
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
  await waitUntilActive(client, tableName);
}

// The SDK's waitUntilTableExists polls at whole seconds at best; dynalite is ready in milliseconds.
async function waitUntilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > deadline) {
      throw new Error(
        `table ${tableName} is still ${Table?.TableStatus ?? 'unknown'} after ${ACTIVE_TIMEOUT_MS} ms`,
      );
    }
    await sleep(POLL_MS);
  }
}
