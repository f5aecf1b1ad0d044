/** Messages between the local runtime and its worker threads. */
export interface WorkerInvoke {
  readonly requestId: string;
  readonly event: unknown;
  /** Wall-clock epoch ms at which the invocation times out. */
  readonly deadline: number;
  readonly clockOffsetMs: number;
}

export type WorkerMessage =
  /** The container's thread id, sent before its cold start so that the cold start is governed too. */
  | { readonly type: 'thread'; readonly tid: number }
  | { readonly type: 'ready' }
  | { readonly type: 'init-error'; readonly error: { name: string; message: string } }
  | {
      readonly type: 'result';
      readonly requestId: string;
      readonly ok: boolean;
      readonly value?: unknown;
      readonly error?: { name: string; message: string };
    };

/**
 * Environment of the local runtime's own function entries (`lib/local/entries/`). A deployed
 * handler reads none of them: the stack never sets them, and its bundle does not contain them.
 */
export const localEnvNames = {
  /** The simulated clock's offset (ms) for the running invocation; the worker sets it for each. */
  clockOffsetMs: 'TICKFAN_CLOCK_OFFSET_MS',
  /** The exchange simulator's base URL. */
  exchangeUrl: 'TICKFAN_EXCHANGE_URL',
  /** Comma-separated symbols (or `*`) whose invocations block their thread: `--fault block`. */
  blockSymbols: 'TICKFAN_FAULT_BLOCK',
  /** The run's loopback notification endpoint, the local stand-in for the SNS topic. */
  notifyUrl: 'TICKFAN_NOTIFY_URL',
} as const;
