/**
 * The line `npm run invoke` prints on stderr when the trade function answered with the recorded
 * result of a tick that already ran, so that nobody takes an old `startedAt` and `status` for a
 * fresh decision; undefined for any other result.
 */
export function replayNotice(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const { replayed, startedAt } = result as { replayed?: unknown; startedAt?: unknown };
  if (replayed !== true) return undefined;
  const when = typeof startedAt === 'string' ? startedAt : 'an earlier time';
  return `recorded result of the tick that ran at ${when}; --rerun makes a fresh decision (it cannot send a second order for the same intent)`;
}
