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
