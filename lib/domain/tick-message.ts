import * as z from 'zod';
import type { SymbolTick } from './tick.js';

/**
 * The body of one symbol-tick queue message. `v` is the format version: a consumer that meets a
 * version it does not know must refuse the message rather than guess at its fields.
 */
export const tickMessageSchema = z.strictObject({
  v: z.literal(1),
  symbol: z.string().min(1),
  scheduledAt: z.iso.datetime(),
});

export type TickMessage = z.infer<typeof tickMessageSchema>;

/**
 * A message body that can never be processed, however often it is retried: not JSON, or not a
 * tick message. The message names the bad field and its value.
 */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}

/** Serialises `tick` as a queue message body; throws RangeError if its time is not a valid date. */
export function encodeTickMessage(tick: SymbolTick): string {
  const message: TickMessage = {
    v: 1,
    symbol: tick.symbol,
    scheduledAt: new Date(tick.scheduledAt).toISOString(),
  };
  return JSON.stringify(message);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key) => String(key)).join('.') || '(root)';
}

/**
 * Parses a queue message body back into the tick it carries.
 *
 * @throws {@link PoisonMessageError} naming each bad field and its value, or `not valid JSON: ...`.
 */
export function parseTickMessage(body: string): SymbolTick {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (error) {
    throw new PoisonMessageError(
      `tick message is not valid JSON: ${(error as Error).message} (body ${JSON.stringify(truncate(body))})`,
    );
  }
  const result = tickMessageSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${formatPath(issue.path)}: ${issue.message} (got ${JSON.stringify(issue.input)})`,
    );
    throw new PoisonMessageError(`tick message is invalid: ${problems.join('; ')}`);
  }
  return { symbol: result.data.symbol, scheduledAt: Date.parse(result.data.scheduledAt) };
}

// A poison body can be arbitrarily large; the error only needs enough of it to recognise it.
function truncate(body: string): string {
  return body.length > 200 ? `${body.slice(0, 200)}…` : body;
}
