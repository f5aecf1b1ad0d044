/**
 * Runs `work` over `items` with at most `limit` calls in flight, starting the next item as soon
 * as one finishes. The adapters use it to keep a fan-out's many AWS calls fast without opening a
 * connection per item. After a call throws no new item starts; it rejects with that first error
 * once the calls already under way have ended, so none is left running unobserved.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  if (!(Number.isInteger(limit) && limit >= 1)) {
    throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
  }
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
