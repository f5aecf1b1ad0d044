import * as z from 'zod';
import { Timeframes } from './candle.js';
import { strategies, strategyNames } from './strategies/registry.js';
import type { SymbolTick } from './tick.js';

const fixedTick = z.strictObject({
  v: z.literal(1),
  symbol: z.string().min(1),
  scheduledAt: z.iso.datetime(),
});

/** A tick of a pair a volume selector picked: it carries what the pair is traded with. */
const pairTick = z.strictObject({
  v: z.literal(2),
  symbol: z.string().min(1),
  scheduledAt: z.iso.datetime(),
  pair: z
    .strictObject({
      timeframe: z.enum(Timeframes),
      strategy: z.enum(strategyNames),
      params: z.record(z.string(), z.unknown()),
      exitOnly: z.boolean(),
    })
    .superRefine((pair, ctx) => {
      const params = strategies[pair.strategy].params.safeParse(pair.params);
      if (params.success) return;
      const message = params.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
      ctx.addIssue({ code: 'custom', path: ['params'], message, input: pair.params });
    }),
});

/**
 * The body of one symbol-tick queue message. `v` is the format version: a consumer that meets a
 * version it does not know must refuse the message rather than guess at its fields. Version 1
 * is a fixed symbol of the config, version 2 a pair a volume selector picked.
 */
export const tickMessageSchema = z.discriminatedUnion('v', [fixedTick, pairTick]);

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
  const scheduledAt = new Date(tick.scheduledAt).toISOString();
  const { pair } = tick;
  const message: TickMessage =
    pair === undefined
      ? { v: 1, symbol: tick.symbol, scheduledAt }
      : { v: 2, symbol: tick.symbol, scheduledAt, pair: { ...pair, params: { ...pair.params } } };
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
  const { data } = result;
  const tick = { symbol: data.symbol, scheduledAt: Date.parse(data.scheduledAt) };
  return data.v === 1 ? tick : { ...tick, pair: data.pair };
}

// A poison body can be arbitrarily large; the error only needs enough of it to recognise it.
function truncate(body: string): string {
  return body.length > 200 ? `${body.slice(0, 200)}…` : body;
}
