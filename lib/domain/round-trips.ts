/**
 * Round trips and the equity curve of one symbol's fills: the one computation behind the
 * backtest's figures and the run report's trade table and equity chart. Both mark a position
 * with the trade function's own arithmetic (`applyFill`, `totalPnl`), so the last equity point,
 * the summary's pnl and the round trips' pnl (realised plus unrealised) are the same number. The
 * backtest marks the position it already holds at each close with that same `totalPnl` instead
 * of replaying its fills here (its tests hold the two curves equal).
 */
import { applyFill, flatPosition, type Position, totalPnl } from './position.js';
import { Side } from './signal.js';

/** One fill of one symbol, as the backtest books it and a local run's summary lists it. */
export interface TradeFill {
  readonly side: Side;
  /** Open time of the candle whose close decided and priced the fill. */
  readonly candleTime: number;
  readonly price: number;
  readonly amount: number;
  /** In the quote currency. */
  readonly fee: number;
}

/**
 * An entry and its exit. A position still held at the end is one open round trip, marked at the
 * last close: its `pnl` and `return` are unrealised.
 */
export interface RoundTrip {
  readonly entryTime: number;
  /** Average price of the amount this round trip holds. */
  readonly entryPrice: number;
  readonly exitTime?: number;
  readonly exitPrice?: number;
  readonly amount: number;
  /** Its share of the entry fees plus the exit fee, in the quote currency. */
  readonly fees: number;
  /** Profit after both fees, in the quote currency; unrealised for an open round trip. */
  readonly pnl: number;
  /** `pnl` over the entry's notional (`entryPrice × amount`); 0.05 is 5 %. */
  readonly return: number;
  readonly open: boolean;
}

/** A close a position is marked at. */
export interface Mark {
  readonly time: number;
  readonly close: number;
}

// Below this a position counts as flat, as in position.ts.
const dust = 1e-12;

/**
 * Pairs the fills of one symbol into round trips, ordered by entry. Buys open a position or add
 * to it at their average price; each sell closes what it sells, carrying its share of the entry
 * fees, so a partial exit is a round trip of its own and the rest stays open. A position still
 * held after the last fill is an open round trip marked at `markPrice` (the last close). A sell
 * with nothing held (a long-only bot makes none) pairs with nothing.
 */
export function roundTrips(fills: readonly TradeFill[], markPrice: number): RoundTrip[] {
  const trips: RoundTrip[] = [];
  let held = 0;
  let cost = 0;
  let entryFees = 0;
  let entryTime = 0;
  for (const fill of byCandleTime(fills)) {
    if (fill.side === Side.Buy) {
      if (held <= dust) entryTime = fill.candleTime;
      held += fill.amount;
      cost += fill.price * fill.amount;
      entryFees += fill.fee;
      continue;
    }
    if (held <= dust) continue;
    const sold = Math.min(fill.amount, held);
    const entryPrice = cost / held;
    const feeIn = entryFees * (sold / held);
    // A sell larger than the position pays its whole fee for the part that closed it.
    const pnl = sold * (fill.price - entryPrice) - feeIn - fill.fee;
    trips.push({
      entryTime,
      entryPrice,
      exitTime: fill.candleTime,
      exitPrice: fill.price,
      amount: sold,
      fees: feeIn + fill.fee,
      pnl,
      return: ratio(pnl, entryPrice * sold),
      open: false,
    });
    held -= sold;
    cost -= entryPrice * sold;
    entryFees -= feeIn;
    if (held <= dust) {
      held = 0;
      cost = 0;
      entryFees = 0;
    }
  }
  if (held > dust) {
    const entryPrice = cost / held;
    const pnl = held * (markPrice - entryPrice) - entryFees;
    trips.push({
      entryTime,
      entryPrice,
      amount: held,
      fees: entryFees,
      pnl,
      return: ratio(pnl, entryPrice * held),
      open: true,
    });
  }
  return trips;
}

/**
 * Equity after each of `marks`: `start` plus the pnl of one symbol's fills up to and including
 * that candle (a fill is applied at the candle its `candleTime` names, whose close priced it),
 * with the position held marked at the close. `equity[k]` belongs to `marks[k]`.
 */
export function equityCurve(
  marks: readonly Mark[],
  fills: readonly TradeFill[],
  start = 0,
): Float64Array {
  const sorted = byCandleTime(fills);
  const equity = new Float64Array(marks.length);
  let position: Position = flatPosition('');
  let next = 0;
  for (let k = 0; k < marks.length; k++) {
    const mark = marks[k] as Mark;
    for (let f = sorted[next]; f !== undefined && f.candleTime <= mark.time; f = sorted[next]) {
      position = applyFill(position, f);
      next++;
    }
    equity[k] = start + totalPnl(position, mark.close);
  }
  return equity;
}

function byCandleTime(fills: readonly TradeFill[]): readonly TradeFill[] {
  for (let i = 1; i < fills.length; i++) {
    if ((fills[i] as TradeFill).candleTime < (fills[i - 1] as TradeFill).candleTime) {
      return [...fills].sort((a, b) => a.candleTime - b.candleTime);
    }
  }
  return fills;
}

function ratio(value: number, of: number): number {
  return of === 0 ? 0 : value / of;
}
