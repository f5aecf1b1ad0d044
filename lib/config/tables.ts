/**
 * DynamoDB table definitions shared by the CDK stack and the local runtime, so both create the
 * same keys.
 */
export interface TableDefinition {
  /** Suffix of the deployed name and the local name. */
  readonly id: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Epoch-seconds attribute after which DynamoDB may delete an item. */
  readonly ttlAttribute?: string;
}

/**
 * The state table holds every trading item, keyed by `pk` (the owner, e.g. `SYM#LTC/BTC`) and
 * `sk` (the item, e.g. `POSITION`, `ORDER#<clientOrderId>`, `TICK#<iso time>`). Tick results
 * expire through `expiresAt`. The shared rate budget keeps its two counters here too
 * (`BUDGET#<exchange>` / `REQUESTS`, `ORDERS`), expiring a day after their last write.
 */
export const stateTable: TableDefinition = {
  id: 'state',
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
};

/**
 * The trade function's Powertools idempotency records (`DynamoDBPersistenceLayer`). The key and
 * TTL attribute are the persistence layer's defaults (`id`, `expiration`), so it needs no
 * attribute options; records expire once their idempotency window has passed.
 */
export const idempotencyTable: TableDefinition = {
  id: 'idempotency',
  partitionKey: 'id',
  ttlAttribute: 'expiration',
};

export const tables = [stateTable, idempotencyTable] as const;
