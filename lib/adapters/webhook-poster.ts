import type { PostOutcome, WebhookPoster } from '../ports/notifier.js';

export interface HttpWebhookPosterOptions {
  /** Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Requests at most, the first included; default 3. */
  readonly attempts?: number;
  /** Bound of one request; default 5 s. */
  readonly timeoutMs?: number;
  /** Wait before the first retry, doubled for each later one; default 250 ms. */
  readonly backoffMs?: number;
  /** The longest wait a service's `Retry-After` may ask for; default 10 s. */
  readonly maxRetryAfterMs?: number;
  /** Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Posts JSON to Slack, Discord and Telegram webhooks over HTTP. A 5xx, a 429 (after the
 * `Retry-After` it asks for, capped), a timeout or a network error is retried with a doubling
 * backoff up to `attempts`; any other 4xx is final, since the same body would be refused again.
 * It never throws: the outcome says what happened, without the URL, which may carry a token.
 */
export class HttpWebhookPoster implements WebhookPoster {
  private readonly fetch: typeof fetch;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: HttpWebhookPosterOptions = {}) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.backoffMs = options.backoffMs ?? 250;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.sleep = options.sleep ?? timer;
  }

  async post(url: string, body: unknown): Promise<PostOutcome> {
    const payload = JSON.stringify(body);
    let last: PostOutcome = { ok: false, attempts: 0, error: 'not sent' };
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let waitMs = this.backoffMs * 2 ** (attempt - 1);
      try {
        const response = await this.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: payload,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        // The body is read so that the connection is freed; its text is not kept (echoes).
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return { ok: true, attempts: attempt, status: response.status };
        last = {
          ok: false,
          attempts: attempt,
          status: response.status,
          error: `HTTP ${response.status}`,
        };
        if (response.status !== 429 && response.status < 500) return last;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (response.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) {
          waitMs = Math.min(retryAfter * 1000, this.maxRetryAfterMs);
        }
      } catch (error) {
        last = { ok: false, attempts: attempt, error: describeFailure(error, this.timeoutMs) };
      }
      if (attempt < this.attempts) await this.sleep(waitMs);
    }
    return last;
  }
}

/** A failure in words that never repeat the URL (undici puts it into some messages). */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof cause === 'string' ? `network error ${cause}` : 'network error';
}
