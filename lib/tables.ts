/**
 * DynamoDB table definitions shared by the CDK stack and the local runtime, so both create the
 * same keys. One state table holds every item, keyed by `pk` (the owner, e.g. `SYM#LTC/BTC`)
 * and `sk` (the item, e.g. `POSITION`, `ORDER#<clientOrderId>`, `TICK#<iso time>`).
 */
export interface TableDefinition {
  /** Suffix of the deployed name and the local name. */
  readonly id: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Epoch-seconds attribute after which DynamoDB may delete an item. */
  readonly ttlAttribute?: string;
}

export const stateTable: TableDefinition = {
  id: 'state',
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
};

export const tables = [stateTable] as const;
