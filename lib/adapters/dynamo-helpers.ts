/** Sort key of an order item: the state table's and the paper broker's. */
export function orderKey(clientOrderId: string): string {
  return `ORDER#${clientOrderId}`;
}

/** True for a failed conditional write: another writer got there first. */
export function isConditionFailed(error: unknown): boolean {
  // By name rather than instanceof: bundles and duplicate SDK copies break class identity.
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
