import { describe, expect, it } from 'vitest';
import type { Candle, Timeframe } from '../../../lib/domain/candle.js';
import {
  EngineRefusalError,
  MatchingEngine,
  type MatchingEngineOptions,
  Refusal,
} from '../../../lib/simulator/matching-engine.js';
import type { SimMarket } from '../../../lib/simulator/sim-markets.js';

const minute = 60_000;
const t0 = Date.UTC(2018, 0, 20, 12, 0);
const rules = { tickSize: 0.000001, stepSize: 0.01, minQty: 0.01, minNotional: 0.0001 };

/** Four 1m candles from t0 whose closes are 0.010, 0.011, 0.012, 0.013. */
function candles(): Candle[] {
  return [0, 1, 2, 3].map((i) => ({
    time: t0 + i * minute,
    open: 0.01,
    high: 0.02,
    low: 0.005,
    close: 0.01 + i * 0.001,
    volume: 100,
  }));
}

function market(symbol: string): SimMarket {
  const [base = '', quote = ''] = symbol.split('/');
  return { symbol, base, quote, series: new Map([['1m', candles()]]), finest: '1m', rules };
}

/** An engine at `now` (default: inside the candle of t0+2m, so t0+1m is the newest closed). */
function engine(options: Partial<MatchingEngineOptions> & { now?: number } = {}) {
  const now = options.now ?? t0 + 2 * minute + 30_000;
  return new MatchingEngine([market('LTC/BTC'), market('ETH/BTC')], {
    clock: { now: () => now },
    balances: { BTC: 1, LTC: 2 },
    ...options,
  });
}

function refusalOf(act: () => unknown): Refusal | undefined {
  try {
    act();
  } catch (error) {
    if (error instanceof EngineRefusalError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('MatchingEngine', () => {
  describe('placeMarketOrder', () => {
    it('fills at the close of the newest closed candle, charging the fee in the quote', () => {
      // Prepare
      const sim = engine({ feeRate: 0.001 });

      // Act
      const order = sim.placeMarketOrder({
        symbol: 'LTC/BTC',
        side: 'buy',
        amount: 10,
        clientOrderId: 'buy-1',
      });

      // Assess: t0+1m closed at 0.011; t0+2m is still forming
      expect(order).toMatchObject({ symbol: 'LTC/BTC', side: 'buy', amount: 10, price: 0.011 });
      expect(order.fee).toBeCloseTo(0.00011, 12);
      expect(order.time).toBe(t0 + 2 * minute + 30_000);
      const balances = sim.balances();
      expect(balances.LTC).toBeCloseTo(12, 8);
      expect(balances.BTC).toBeCloseTo(1 - 0.11 - 0.00011, 8);
      expect(sim.orders).toEqual([order]);
    });

    it('credits a sale at the same price, less the fee', () => {
      // Prepare
      const sim = engine({ feeRate: 0.001 });

      // Act
      sim.placeMarketOrder({ symbol: 'LTC/BTC', side: 'sell', amount: 2 });

      // Assess
      expect(sim.balances().LTC).toBe(0);
      expect(sim.balances().BTC).toBeCloseTo(1 + 0.022 - 0.000022, 8);
    });

    it('buys as much as a quote amount pays for, in whole lot steps', () => {
      // Act
      const order = engine().placeMarketOrder({
        symbol: 'LTC/BTC',
        side: 'buy',
        quoteAmount: 0.1,
      });

      // Assess: 0.1 / 0.011 = 9.0909…, cut to the 0.01 step
      expect(order.amount).toBe(9.09);
    });

    it('refuses an order the balance cannot pay for and leaves the account as it was', () => {
      // Prepare
      const sim = engine();
      const before = sim.balances();

      // Act
      const reason = refusalOf(() =>
        sim.placeMarketOrder({ symbol: 'LTC/BTC', side: 'sell', amount: 3 }),
      );

      // Assess
      expect(reason).toBe(Refusal.InsufficientBalance);
      expect(sim.balances()).toEqual(before);
      expect(sim.orders).toHaveLength(0);
    });

    it('refuses a second order with a client id already used, on any symbol', () => {
      // Prepare
      const sim = engine();
      sim.placeMarketOrder({ symbol: 'LTC/BTC', side: 'buy', amount: 1, clientOrderId: 'once' });

      // Act
      const sameSymbol = refusalOf(() =>
        sim.placeMarketOrder({ symbol: 'LTC/BTC', side: 'buy', amount: 1, clientOrderId: 'once' }),
      );
      const otherSymbol = refusalOf(() =>
        sim.placeMarketOrder({ symbol: 'ETH/BTC', side: 'buy', amount: 1, clientOrderId: 'once' }),
      );

      // Assess
      expect(sameSymbol).toBe(Refusal.DuplicateClientOrderId);
      expect(otherSymbol).toBe(Refusal.DuplicateClientOrderId);
      expect(sim.orders).toHaveLength(1);
    });

    it.each([
      ['an amount off the lot step', 1.005, rules, Refusal.LotSize],
      ['an amount below the minimum', 0.001, rules, Refusal.LotSize],
      [
        'a cost below the minimum notional',
        0.01,
        { ...rules, minNotional: 0.001 },
        Refusal.MinNotional,
      ],
    ])('refuses %s', (_, amount, marketRules, expected) => {
      // Prepare
      const sim = new MatchingEngine([{ ...market('LTC/BTC'), rules: marketRules }], {
        clock: { now: () => t0 + 2 * minute },
      });

      // Act
      const reason = refusalOf(() =>
        sim.placeMarketOrder({ symbol: 'LTC/BTC', side: 'buy', amount }),
      );

      // Assess
      expect(reason).toBe(expected);
      expect(sim.orders).toHaveLength(0);
    });

    it('refuses an order before the first candle has closed', () => {
      // Act
      const reason = refusalOf(() =>
        engine({ now: t0 + 30_000 }).placeMarketOrder({
          symbol: 'LTC/BTC',
          side: 'buy',
          amount: 1,
        }),
      );

      // Assess
      expect(reason).toBe(Refusal.NoPrice);
    });
  });

  describe('findOrder', () => {
    it('finds an order by its client id and by its order id, on its own symbol only', () => {
      // Prepare
      const sim = engine();
      sim.placeMarketOrder({ symbol: 'LTC/BTC', side: 'buy', amount: 1, clientOrderId: 'a' });
      const placed = sim.placeMarketOrder({
        symbol: 'LTC/BTC',
        side: 'buy',
        amount: 2,
        clientOrderId: 'b',
      });

      // Act
      const byClientId = sim.findOrder('LTC/BTC', { clientOrderId: 'b' });
      const byOrderId = sim.findOrder('LTC/BTC', { orderId: placed.orderId });
      const mismatched = sim.findOrder('LTC/BTC', { orderId: placed.orderId, clientOrderId: 'a' });
      const elsewhere = sim.findOrder('ETH/BTC', { clientOrderId: 'b' });

      // Assess
      expect(byClientId).toBe(placed);
      expect(byOrderId).toBe(placed);
      expect(mismatched).toBeUndefined();
      expect(elsewhere).toBeUndefined();
      expect(sim.findOrder('LTC/BTC', { clientOrderId: 'never' })).toBeUndefined();
    });
  });

  describe('cancelOrder', () => {
    it('refuses an unknown order as unknown and a filled one as not open', () => {
      // Prepare
      const sim = engine();
      sim.placeMarketOrder({ symbol: 'LTC/BTC', side: 'buy', amount: 1, clientOrderId: 'f' });

      // Act
      const unknown = refusalOf(() => sim.cancelOrder('LTC/BTC', { clientOrderId: 'nope' }));
      const filled = refusalOf(() => sim.cancelOrder('LTC/BTC', { clientOrderId: 'f' }));

      // Assess
      expect(unknown).toBe(Refusal.UnknownOrder);
      expect(filled).toBe(Refusal.OrderNotOpen);
    });
  });

  describe('placeStopOrder', () => {
    /** 1m candles from t0 with the given [open, low] pairs; high 0.02, close 0.012. */
    function stopEngine(bars: readonly (readonly [number, number])[]) {
      const series = bars.map(([open, low], i) => ({
        time: t0 + i * minute,
        open,
        high: 0.02,
        low,
        close: 0.012,
        volume: 100,
      }));
      let now = t0 + minute + 10_000;
      const sim = new MatchingEngine(
        [
          {
            symbol: 'LTC/BTC',
            base: 'LTC',
            quote: 'BTC',
            series: new Map([['1m', series]]),
            finest: '1m',
            rules,
          },
        ],
        { clock: { now: () => now }, balances: { BTC: 1, LTC: 2 }, feeRate: 0.001 },
      );
      return { sim, at: (time: number) => (now = time) };
    }

    it("rests, locking its amount, until a closed candle's low reaches the stop", () => {
      // Prepare: the candle of t0+1m (open at placement) dips to 0.009, not to 0.008.
      const { sim, at } = stopEngine([
        [0.012, 0.011],
        [0.012, 0.009],
        [0.012, 0.007],
      ]);

      // Act
      const stop = sim.placeStopOrder({
        symbol: 'LTC/BTC',
        side: 'sell',
        amount: 1,
        stopPrice: 0.008,
        clientOrderId: 's1',
      });
      const resting = { free: sim.balances().LTC, locked: sim.lockedBalances().LTC };
      at(t0 + 3 * minute);
      const filled = sim.findOrder('LTC/BTC', { clientOrderId: 's1' });

      // Assess
      expect(stop.status).toBe('open');
      expect(resting).toEqual({ free: 1, locked: 1 });
      expect(filled).toMatchObject({
        status: 'filled',
        price: 0.008,
        fee: 0.000008,
        fillCandleTime: t0 + 2 * minute,
      });
      expect(sim.balances()).toEqual({ BTC: 1.007992, LTC: 1 });
      expect(sim.lockedBalances().LTC).toBe(0);
      expect(sim.orders.map((o) => o.clientOrderId)).toEqual(['s1']);
    });

    it('fills at the open of a candle that opened below the stop (a gap)', () => {
      // Prepare
      const { sim, at } = stopEngine([
        [0.012, 0.011],
        [0.0075, 0.007],
      ]);
      sim.placeStopOrder({ symbol: 'LTC/BTC', side: 'sell', amount: 1, stopPrice: 0.008 });

      // Act
      at(t0 + 2 * minute);

      // Assess
      expect(sim.openOrders()).toEqual([]);
      expect(sim.orders[0]).toMatchObject({ type: 'stop', price: 0.0075 });
    });

    it('does not fill on the candle still forming, nor on one that closed before it was placed', () => {
      // Prepare: t0 dipped below the stop before it was placed; t0+1m dips while forming.
      const { sim } = stopEngine([
        [0.012, 0.001],
        [0.012, 0.001],
      ]);

      // Act
      sim.placeStopOrder({ symbol: 'LTC/BTC', side: 'sell', amount: 1, stopPrice: 0.008 });

      // Assess
      expect(sim.openOrders().map((o) => o.status)).toEqual(['open']);
    });

    it('gives the amount back when cancelled, and refuses to cancel it twice', () => {
      // Prepare
      const { sim } = stopEngine([[0.012, 0.011]]);
      sim.placeStopOrder({
        symbol: 'LTC/BTC',
        side: 'sell',
        amount: 1,
        stopPrice: 0.008,
        clientOrderId: 's',
      });

      // Act
      const cancelled = sim.cancelOrder('LTC/BTC', { clientOrderId: 's' });
      const again = refusalOf(() => sim.cancelOrder('LTC/BTC', { clientOrderId: 's' }));

      // Assess
      expect(cancelled.status).toBe('cancelled');
      expect(again).toBe(Refusal.OrderNotOpen);
      expect(sim.balances().LTC).toBe(2);
      expect(sim.lockedBalances().LTC).toBe(0);
    });

    it('refuses a stop at or above the last price, off the tick, or beyond the free balance', () => {
      // Prepare
      const { sim } = stopEngine([[0.012, 0.011]]);
      const stop = (amount: number, stopPrice: number) => () =>
        sim.placeStopOrder({ symbol: 'LTC/BTC', side: 'sell', amount, stopPrice });

      // Act / Assess
      expect(refusalOf(stop(1, 0.012))).toBe(Refusal.WouldTriggerImmediately);
      expect(refusalOf(stop(1, 0.0080005))).toBe(Refusal.PriceFilter);
      expect(refusalOf(stop(3, 0.008))).toBe(Refusal.InsufficientBalance);
      expect(sim.allOrders()).toEqual([]);
    });

    it('leaves a sell of the locked amount short of balance', () => {
      // Prepare
      const { sim } = stopEngine([[0.012, 0.011]]);
      sim.placeStopOrder({ symbol: 'LTC/BTC', side: 'sell', amount: 2, stopPrice: 0.008 });

      // Act / Assess
      expect(
        refusalOf(() => sim.placeMarketOrder({ symbol: 'LTC/BTC', side: 'sell', amount: 1 })),
      ).toBe(Refusal.InsufficientBalance);
    });
  });

  describe('servedCandles', () => {
    it('serves nothing opened after now, the forming candle included', () => {
      // Act
      const served = engine().servedCandles('LTC/BTC', '1m', { limit: 10 });

      // Assess
      expect(served.map((c) => c.time)).toEqual([t0, t0 + minute, t0 + 2 * minute]);
    });

    it('refuses a timeframe that is not a multiple of its finest, or not a timeframe at all', () => {
      // Prepare: markets of 5m candles alone
      const fiveMinute = (m: SimMarket): SimMarket => ({
        ...m,
        series: new Map([['5m', candles().map((c, i) => ({ ...c, time: t0 + i * 5 * minute }))]]),
        finest: '5m',
      });
      const sim = new MatchingEngine([fiveMinute(market('LTC/BTC'))], {
        clock: { now: () => t0 + 20 * minute },
      });

      // Act / Assess
      expect(refusalOf(() => sim.servedCandles('LTC/BTC', '1m', { limit: 1 }))).toBe(
        Refusal.UnknownTimeframe,
      );
      expect(refusalOf(() => sim.servedCandles('LTC/BTC', '3m', { limit: 1 }))).toBe(
        Refusal.UnknownTimeframe,
      );
      expect(refusalOf(() => sim.servedCandles('LTC/BTC', '1w' as Timeframe, { limit: 1 }))).toBe(
        Refusal.UnknownTimeframe,
      );
      expect(sim.serves('LTC/BTC', '3m')).toBe(false);
      expect(sim.serves('LTC/BTC', '1w')).toBe(false);
      expect(sim.serves('LTC/BTC', '15m')).toBe(true);
      expect(sim.serves('DOGE/BTC', '5m')).toBe(false);
    });
  });

  describe('faults', () => {
    it('rejects the orders of the symbol its reject fault is set on, and no other', () => {
      // Prepare
      const sim = engine();
      sim.setFault('LTC/BTC', { kind: 'reject' });

      // Act
      const faulted = refusalOf(() =>
        sim.placeMarketOrder({ symbol: 'LTC/BTC', side: 'buy', amount: 1 }),
      );
      const other = sim.placeMarketOrder({ symbol: 'ETH/BTC', side: 'buy', amount: 1 });

      // Assess
      expect(faulted).toBe(Refusal.InsufficientBalance);
      expect(sim.orders).toEqual([other]);
    });

    it('decides hang for the faulted symbol only, and serves the others', () => {
      // Prepare
      const sim = engine();
      sim.setFault('LTC/BTC', { kind: 'hang' });

      // Act
      const faulted = sim.admit('LTC/BTC', { placesOrder: false });
      const other = sim.admit('ETH/BTC', { placesOrder: false });
      const none = sim.admit(undefined, { placesOrder: false });

      // Assess
      expect(faulted).toEqual({ kind: 'hang' });
      expect(other).toMatchObject({ kind: 'serve', delayMs: 0, stall: false });
      expect(none.kind).toBe('serve');
    });

    it("lets a symbol's own fault win over '*', which reaches requests naming no symbol", () => {
      // Prepare
      const sim = engine();
      sim.setFault('*', { kind: 'http5xx', rate: 1 });
      sim.setFault('LTC/BTC', { kind: 'slow', ms: 250 });

      // Act / Assess
      expect(sim.admit(undefined, { placesOrder: false })).toEqual({ kind: 'unavailable' });
      expect(sim.admit('ETH/BTC', { placesOrder: false })).toEqual({ kind: 'unavailable' });
      expect(sim.admit('LTC/BTC', { placesOrder: false })).toMatchObject({ delayMs: 250 });
    });

    it('rate-limits with a Retry-After, and loses only the answers of order placements', () => {
      // Prepare
      const sim = engine();
      sim.setFault('LTC/BTC', { kind: 'ratelimit', rate: 1 });
      sim.setFault('ETH/BTC', { kind: 'lose-response', rate: 1 });

      // Act / Assess
      expect(sim.admit('LTC/BTC', { placesOrder: true })).toEqual({
        kind: 'rate-limited',
        retryAfterSeconds: 1,
      });
      expect(sim.admit('ETH/BTC', { placesOrder: true })).toMatchObject({ loseResponse: true });
      expect(sim.admit('ETH/BTC', { placesOrder: false })).toMatchObject({ loseResponse: false });
    });

    it('refuses a fault for a symbol it does not serve, or one that cannot apply', () => {
      // Act / Assess
      expect(() => engine().setFault('DOGE/BTC', { kind: 'hang' })).toThrow(/DOGE\/BTC/);
      expect(() => engine().setFault('LTC/BTC', { kind: 'ratelimit', rate: -1 })).toThrow(
        RangeError,
      );
    });
  });

  describe('tickers', () => {
    it("sums each market's candles closed in the 24 hours ending at the newest close", () => {
      // Prepare: a candle opened a day before t0 lies outside the window ending at t0+2m.
      const ltc = market('LTC/BTC');
      const dayBefore = { ...candles()[0], time: t0 - 24 * 60 * minute, volume: 5 } as Candle;
      const sim = new MatchingEngine(
        [{ ...ltc, series: new Map([['1m', [dayBefore, ...candles()]]]) }],
        { clock: { now: () => t0 + 2 * minute + 30_000 } },
      );

      // Act
      const tickers = sim.tickers();

      // Assess: candles t0 and t0+1m (closes 0.010 and 0.011, 100 each); t0+2m is forming.
      expect(tickers).toEqual([
        {
          symbol: 'LTC/BTC',
          openTime: t0,
          closeTime: t0 + 2 * minute,
          last: 0.011,
          open: 0.01,
          high: 0.02,
          low: 0.005,
          baseVolume: 200,
          quoteVolume: 2.1,
          vwap: 0.0105,
          candles: 2,
        },
      ]);
    });

    it('sums from a given open time on', () => {
      // Prepare
      const sim = engine();

      // Act
      const [ticker] = sim.tickers(t0 + minute);

      // Assess
      expect(ticker).toMatchObject({ openTime: t0 + minute, baseVolume: 100, quoteVolume: 1.1 });
    });

    it('leaves out a market with no candle closed by now', () => {
      // Prepare
      const sim = engine({ now: t0 + 30_000 });

      // Act
      const tickers = sim.tickers();

      // Assess
      expect(tickers).toEqual([]);
    });

    it("multiplies one market's volumes by its volume scale, not its prices", () => {
      // Prepare
      const sim = engine();

      // Act
      sim.setVolumeScale('ETH/BTC', 2.5);

      // Assess
      const [eth, ltc] = sim.tickers();
      expect(eth).toMatchObject({ symbol: 'ETH/BTC', baseVolume: 500, quoteVolume: 5.25 });
      expect(eth?.vwap).toBe(0.0105);
      expect(ltc).toMatchObject({ symbol: 'LTC/BTC', baseVolume: 200, quoteVolume: 2.1 });
      expect(sim.candles('ETH/BTC')[0]?.volume).toBe(100);
    });

    it('refuses a volume scale of an unserved market, naming what is served', () => {
      // Prepare
      const sim = engine();

      // Act
      const act = () => sim.setVolumeScale('XRP/BTC', 2);

      // Assess
      expect(act).toThrow('the simulator does not serve XRP/BTC');
    });
  });
});
