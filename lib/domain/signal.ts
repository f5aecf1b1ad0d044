/** What a strategy says about the newest closed candle. */
export const Signal = { Enter: 'enter', Exit: 'exit', None: 'none' } as const;
export type Signal = (typeof Signal)[keyof typeof Signal];

/** Order sides. */
export const Side = { Buy: 'buy', Sell: 'sell' } as const;
export type Side = (typeof Side)[keyof typeof Side];
