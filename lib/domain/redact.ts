/** What a redacted credential or signature reads as. */
export const redactedMark = '***';

/** The most of one text (a message body, a response body in an error) that a log line carries. */
export const maxLoggedBytes = 2_048;

/**
 * Request parameters and headers that carry a credential or a request signature, as the
 * exchanges ccxt speaks name them: Binance's `signature` and `X-MBX-APIKEY`, Kraken's `API-Key`
 * and `API-Sign`, OKX's `OK-ACCESS-*`, and ccxt's own credential fields.
 */
const secretNames = [
  'signature',
  'sign',
  'x-mbx-apikey',
  'api-key',
  'api-sign',
  'ok-access-key',
  'ok-access-sign',
  'ok-access-passphrase',
  'apikey',
  'api_key',
  'secret',
  'secretkey',
  'secret_key',
  'api_secret',
  'password',
  'passphrase',
  'authorization',
];

/**
 * `name=value` (a query or form parameter), `name: value` (a header) or `"name":"value"` (JSON),
 * any case. The name must stand alone (`signatureVersion=2` is not a signature), and the value
 * runs to the next separator; an `Authorization` scheme word is kept with its token.
 */
const namedSecret = new RegExp(
  `(?<![A-Za-z0-9_-])(${secretNames.join('|')})(["']?\\s*[:=]\\s*["']?)((?:(?:Bearer|Basic)\\s+)?[^\\s"'&,;{}\\[\\]]+)`,
  'gi',
);

/** A Telegram bot token in a webhook URL (`/bot123456:ABC.../sendMessage`). */
const telegramToken = /\bbot\d+:[A-Za-z0-9_-]+/g;

/** Shorter values are not treated as secrets: replacing them would garble ordinary text. */
const minSecretLength = 6;

/**
 * Replaces credentials and request signatures in `text` with {@link redactedMark}: every
 * parameter or header named like one, and every occurrence of the given `secrets` (the key
 * values a client holds), URL-encoded ones included, so that a key echoed anywhere is hidden.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < minSecretLength) continue;
    out = out.replaceAll(secret, redactedMark);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.replaceAll(encoded, redactedMark);
  }
  return out
    .replace(namedSecret, (_match, name: string, separator: string) => {
      return `${name}${separator}${redactedMark}`;
    })
    .replace(telegramToken, `bot${redactedMark}`);
}

/**
 * `text` cut to at most `maxBytes` of UTF-8 (never inside a character), followed by
 * `…(+N bytes)` naming how much was left out; shorter text is returned as it is.
 */
export function truncateText(text: string, maxBytes: number = maxLoggedBytes): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short text needs no encoding to be known short.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= maxBytes) return text;
  let cut = Math.max(0, maxBytes);
  // Back off continuation bytes (10xxxxxx) so the cut falls between two characters.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut -= 1;
  const kept = new TextDecoder().decode(bytes.subarray(0, cut));
  return `${kept}…(+${bytes.length - cut} bytes)`;
}

/** What may be written to a log or carried by an error: redacted, then cut to the limit. */
export interface Redactor {
  /** `text` with credentials and signatures replaced, cut to {@link maxLoggedBytes}. */
  text(text: string): string;
  /**
   * Redacts `error` in place, with its `cause` chain: the messages (and so the header of a stack
   * formatted later). The same object is returned, so its class (and what the caller tests it
   * for) is kept.
   */
  error<E>(error: E): E;
  /**
   * A `JSON.stringify` replacer redacting and cutting every string it meets, for a logger's
   * serialiser: whatever a log line carries (an error's message, stack and causes included)
   * passes it.
   */
  jsonReplacer(key: string, value: unknown): unknown;
}

/**
 * A {@link Redactor} hiding the name patterns and `secrets`, the credential values a client
 * holds (empty and undefined ones are ignored). Redaction comes before the cut, so a secret is
 * never left half shown at the cut.
 */
export function createRedactor(
  secrets: readonly (string | undefined)[] = [],
  maxBytes: number = maxLoggedBytes,
): Redactor {
  const values = secrets
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    // Longest first: a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  const text = (t: string) => truncateText(redactText(t, values), maxBytes);
  const error = <E>(subject: E): E => {
    const seen = new Set<unknown>();
    let current: unknown = subject;
    while (current instanceof Error && !seen.has(current)) {
      seen.add(current);
      current.message = text(current.message);
      // The stack is left unread: V8 formats it on first read, with the message as it is then,
      // so its header is the redacted one. Reading it here would format it now, and with source
      // maps on that costs a failing call hundreds of milliseconds of its deadline margin. A
      // stack read earlier still passes the loggers' replacer, which redacts every string.
      current = current.cause;
    }
    return subject;
  };
  return {
    text,
    error,
    jsonReplacer: (_key, value) => (typeof value === 'string' ? text(value) : value),
  };
}
