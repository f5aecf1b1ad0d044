/**
 * The taker fee rate charged on each fill's notional when nothing else is configured: the
 * default of `paper.feeRate`, of the paper broker and of the exchange simulator (0.1 %, Binance
 * spot's base rate).
 */
export const defaultFeeRate = 0.001;
