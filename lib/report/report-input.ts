/**
 * What an HTML report shows: the run report of `npm start` and the backtest report both render
 * this shape with `renderReport` (lib/report/render-report.ts).
 */
export interface ReportInput {
  readonly title: string;
  /** A line under the title, e.g. the span and the config. */
  readonly subtitle?: string;
  /** Headline figures, shown as a table: label and already-formatted value. */
  readonly figures: readonly (readonly [label: string, value: string])[];
  /**
   * One row per symbol (run reports), shown before the charts: with many symbols, the first few
   * rows and one row summing the rest, so the page stays readable at a thousand symbols.
   */
  readonly symbolTable?: SymbolTable;
  /** The symbols charted, each in its own section. */
  readonly symbols: readonly SymbolReport[];
  /** Trade-invocation latencies in ms, drawn as a histogram (run reports). */
  readonly latenciesMs?: readonly number[];
  /** Rows of a failure table (run reports): one per failed or skipped invocation group. */
  readonly failures?: readonly FailureRow[];
  /** Round trips, closed and open, shown as the round-trip table. */
  readonly trades?: readonly TradeRow[];
  /** Each symbol's price tick and amount step, where known: prices and amounts are rounded to them. */
  readonly markets?: Readonly<Record<string, MarketSteps>>;
}

/** A table of already-formatted cells, with a caption and a note under it. */
export interface SymbolTable {
  readonly caption: string;
  readonly note?: string;
  readonly head: readonly string[];
  /** `symbol` names the row's symbol; a row summing several has none. */
  readonly rows: readonly { readonly symbol?: string; readonly cells: readonly string[] }[];
}

/** The precision a market trades at. */
export interface MarketSteps {
  readonly priceStep?: number;
  readonly amountStep?: number;
}

export interface SymbolReport {
  readonly symbol: string;
  /** Currency prices and equity are in, e.g. `BTC`, to label the axes. */
  readonly quote?: string;
  /** This symbol's own figures, shown above its charts: label and already-formatted value. */
  readonly figures?: readonly (readonly [label: string, value: string])[];
  /** Close prices, oldest first. */
  readonly prices: readonly { readonly time: number; readonly close: number }[];
  readonly markers: readonly {
    readonly time: number;
    readonly side: 'buy' | 'sell';
    readonly price: number;
  }[];
  /** Account value over time in the quote currency, oldest first. */
  readonly equity: readonly { readonly time: number; readonly value: number }[];
  /** What the equity curve measures and where it starts, shown under it. */
  readonly equityNote?: string;
}

export interface FailureRow {
  readonly symbol: string;
  readonly kind: string;
  readonly count: number;
  readonly example?: string;
}

/** One round trip; without an exit it is a position still open. */
export interface TradeRow {
  readonly symbol: string;
  readonly entryTime: number;
  readonly exitTime?: number;
  readonly entryPrice: number;
  readonly exitPrice?: number;
  /** For an open round trip, the close it is marked at. */
  readonly markPrice?: number;
  readonly amount: number;
  /** Entry and exit fees, in the quote currency. */
  readonly fee: number;
  /** Profit after fees in the quote currency: realised when closed, unrealised when open. */
  readonly pnl?: number;
  /** `pnl` over the entry's notional; 0.05 is 5 %. */
  readonly return?: number;
}
