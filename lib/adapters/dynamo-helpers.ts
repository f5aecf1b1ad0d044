import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';

/** Sort key of an order item: the state table's and the paper broker's. */
export function orderKey(clientOrderId: string): string {
  return `ORDER#${clientOrderId}`;
}

/** True for a failed conditional write: another writer got there first. */
export function isConditionFailed(error: unknown): boolean {
  // By name rather than instanceof: bundles and duplicate SDK copies break class identity.
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * Every item under partition `pk` whose sort key starts with `prefix`, in sort-key order, read
 * consistently page by page (`pageSize` items per request; default DynamoDB's 1 MB pages).
 */
export async function queryPrefix(
  client: DynamoDBDocumentClient,
  query: { tableName: string; pk: string; prefix: string; pageSize?: number | undefined },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: query.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.prefix },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        Limit: query.pageSize,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}
