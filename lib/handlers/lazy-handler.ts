import type { Context } from 'aws-lambda';

/** A Lambda handler: an event and its context in, a result out (middy's take more, unused). */
export type LambdaHandler<E, R> = (event: E, context: Context, ...rest: unknown[]) => Promise<R>;

/**
 * A handler built on its first invocation rather than at the cold start. One bundle serves two
 * functions (the trade function and the markets function share the exchange's ccxt bundle):
 * each builds its own handler at init and leaves the other's, which its environment may not
 * even allow (the markets function has no idempotency table), unbuilt.
 */
export function lazyHandler<E, R>(build: () => Promise<LambdaHandler<E, R>>): LambdaHandler<E, R> {
  let built: Promise<LambdaHandler<E, R>> | undefined;
  return async (event, context) => {
    built ??= build();
    return (await built)(event, context);
  };
}

/** The export name Lambda's handler setting names: `index.refresh` → `refresh`. */
export function exportNameOf(handlerSetting: string | undefined): string {
  return handlerSetting?.split('.').pop() || 'handler';
}
