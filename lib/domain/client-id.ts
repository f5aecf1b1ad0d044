import { hash as digest } from 'node:crypto';
import type { Side } from './signal.js';

/**
 * Whose rules a client order id follows. Each exchange takes a different alphabet and length in
 * the field that carries it, so the same intent is spelled once per exchange:
 *
 * - `binance` (`newClientOrderId`): `^[.A-Z:/a-z0-9_-]{1,36}$`.
 * - `okx` (`clOrdId`, `algoClOrdId`): letters and digits, 1 to 32 characters.
 * - `kraken` (`cl_ord_id`): a UUID (`8-4-4-4-12` hex digits), a 32-digit hex string, or free text
 *   of at most 18 characters; tickfan sends the UUID form, which holds the most hash bits.
 *
 * Every spelling is deterministic (the same intent gives the same id, so a retry finds the order)
 * and keeps the candle time (or stop revision) readable, so the exchange's own order list can be
 * grouped by intent, and whether it names a stop.
 */
export const ClientIdStyle = { Binance: 'binance', Okx: 'okx', Kraken: 'kraken' } as const;
export type ClientIdStyle = (typeof ClientIdStyle)[keyof typeof ClientIdStyle];

/** The documented pattern of each exchange's client id field. */
export const clientIdPatterns: Readonly<Record<ClientIdStyle, RegExp>> = {
  binance: /^[.A-Z:/a-z0-9_-]{1,36}$/,
  okx: /^[A-Za-z0-9]{1,32}$/,
  kraken:
    /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}|[\x20-\x7e]{1,18})$/,
};

/** What an id stands for: an entry or exit at a candle, or one revision of a protective stop. */
export type ClientIdSubject =
  | { readonly kind: 'order'; readonly side: Side; readonly candleTime: number }
  | { readonly kind: 'stop'; readonly revision: number };

/**
 * The client id of `subject` in `style`, with `key` (everything else that tells intents apart:
 * strategy and symbol for an order, the entry's id for a stop) folded into its hash.
 */
export function formatClientId(
  style: ClientIdStyle,
  subject: ClientIdSubject,
  key: string,
): string {
  switch (style) {
    case 'binance':
      return binanceId(subject, key);
    case 'okx':
      return okxId(subject, key);
    case 'kraken':
      return krakenId(subject, key);
  }
}

/** What a tickfan id says of itself, in any style; undefined for an id of another shape. */
export function parseClientId(id: string): ClientIdSubject | undefined {
  return parseBinance(id) ?? parseOkx(id) ?? parseKraken(id);
}

const sideLetter = (side: Side) => (side === 'buy' ? 'b' : 's');
const sideOf = (letter: string): Side => (letter === 'b' ? 'buy' : 'sell');

// Ids are joined from their parts rather than written as template literals: `join` makes one flat
// string, where concatenation leaves a tree of pieces holding on to the whole digest, and a
// backtest keeps every id it makes (the pieces were a third of what survived its collections).

// binance: `tf-b-<time36>-<20 base64url>` (at most 36), `tf-p-<rev36>-<base64url to 36>`.
function binanceId(subject: ClientIdSubject, key: string): string {
  if (subject.kind === 'order') {
    // The one-shot digest: a backtest derives one id per fill, and a Hash object costs twice as much.
    const hash = digest('sha256', key, 'base64url').slice(0, 20);
    return ['tf', sideLetter(subject.side), subject.candleTime.toString(36), hash].join('-');
  }
  const revision = subject.revision.toString(36);
  const hash = digest('sha256', `${key}|stop`, 'base64url');
  return ['tf', 'p', revision, hash.slice(0, 36 - 6 - revision.length)].join('-');
}

function parseBinance(id: string): ClientIdSubject | undefined {
  const order = /^tf-([bs])-([0-9a-z]+)-[A-Za-z0-9_-]{20}$/.exec(id);
  if (order?.[1] !== undefined && order[2] !== undefined) {
    return { kind: 'order', side: sideOf(order[1]), candleTime: Number.parseInt(order[2], 36) };
  }
  const stop = /^tf-p-([0-9a-z]+)-[A-Za-z0-9_-]+$/.exec(id);
  return stop?.[1] === undefined
    ? undefined
    : { kind: 'stop', revision: Number.parseInt(stop[1], 36) };
}

// okx: `tf<B|S|P><time36 or rev36>T<hex>` filled to 32; the upper-case letters stand where the
// lower-case base-36 digits cannot be mistaken for them.
function okxId(subject: ClientIdSubject, key: string): string {
  const [letter, number, salt] =
    subject.kind === 'order'
      ? [sideLetter(subject.side).toUpperCase(), subject.candleTime.toString(36), '']
      : ['P', subject.revision.toString(36), '|stop'];
  const head = `tf${letter}${number}T`;
  return [head, digest('sha256', `${key}${salt}`, 'hex').slice(0, 32 - head.length)].join('');
}

function parseOkx(id: string): ClientIdSubject | undefined {
  const match = /^tf([BSP])([0-9a-z]+)T[0-9a-f]+$/.exec(id);
  if (match?.[1] === undefined || match[2] === undefined || id.length !== 32) return undefined;
  const number = Number.parseInt(match[2], 36);
  return match[1] === 'P'
    ? { kind: 'stop', revision: number }
    : { kind: 'order', side: match[1] === 'B' ? 'buy' : 'sell', candleTime: number };
}

// kraken: a UUID laid out as version 7 lays it out: 48 bits of time (the candle's open time, or a
// stop's revision) first, then the version digit 7, a digit for the subject (1 buy, 2 sell, 3
// stop), and hash digits under the RFC 4122 variant.
const krakenKinds = { buy: '1', sell: '2', stop: '3' } as const;

function krakenId(subject: ClientIdSubject, key: string): string {
  const [kind, number, salt] =
    subject.kind === 'order'
      ? [krakenKinds[subject.side], subject.candleTime, '']
      : [krakenKinds.stop, subject.revision, '|stop'];
  const time = number.toString(16).padStart(12, '0');
  const hash = digest('sha256', `${key}${salt}`, 'hex');
  // The variant digit is one of 8, 9, a, b: its top two bits are 10.
  const variant = ((Number.parseInt(hash.charAt(0), 16) & 0x3) | 0x8).toString(16);
  return [
    time.slice(0, 8),
    time.slice(8),
    `7${kind}${hash.slice(1, 3)}`,
    `${variant}${hash.slice(3, 6)}`,
    hash.slice(6, 18),
  ].join('-');
}

function parseKraken(id: string): ClientIdSubject | undefined {
  const match =
    /^([0-9a-f]{8})-([0-9a-f]{4})-7([123])[0-9a-f]{2}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.exec(id);
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) {
    return undefined;
  }
  const number = Number.parseInt(`${match[1]}${match[2]}`, 16);
  if (match[3] === krakenKinds.stop) return { kind: 'stop', revision: number };
  return { kind: 'order', side: match[3] === krakenKinds.buy ? 'buy' : 'sell', candleTime: number };
}
