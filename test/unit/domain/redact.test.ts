import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  maxLoggedBytes,
  redactText,
  truncateText,
} from '../../../lib/domain/redact.js';

const apiKey = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

describe('redactText', () => {
  it.each([
    [
      "a signed Binance GET in ccxt's error message",
      'binance GET https://api.binance.com/api/v3/order?timestamp=1&symbol=LTCBTC&recvWindow=10000&signature=e1502f3620b358f5cd 503 Service Unavailable',
      'binance GET https://api.binance.com/api/v3/order?timestamp=1&symbol=LTCBTC&recvWindow=10000&signature=*** 503 Service Unavailable',
    ],
    ["Binance's key header", 'X-MBX-APIKEY: abcdef123', 'X-MBX-APIKEY: ***'],
    [
      "Kraken's key and signature headers, as JSON",
      '{"API-Key":"kkey+/=","API-Sign":"c2lnbmF0dXJl=="}',
      '{"API-Key":"***","API-Sign":"***"}',
    ],
    [
      "OKX's headers",
      "{ 'OK-ACCESS-KEY': 'okkey', 'OK-ACCESS-SIGN': 'oksign', 'OK-ACCESS-PASSPHRASE': 'pp' }",
      "{ 'OK-ACCESS-KEY': '***', 'OK-ACCESS-SIGN': '***', 'OK-ACCESS-PASSPHRASE': '***' }",
    ],
    [
      'credential fields in a form body',
      'apiKey=k1&secret=s1&password=p1&amount=1',
      'apiKey=***&secret=***&password=***&amount=1',
    ],
    ['a bearer token', 'Authorization: Bearer eyJhbGciOi.x.y', 'Authorization: ***'],
    [
      'a Telegram bot token in a webhook URL',
      'POST https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage',
      'POST https://api.telegram.org/bot***/sendMessage',
    ],
  ])('hides %s', (_kind, text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it('leaves a parameter that merely starts like a secret name, and ordinary words', () => {
    const text = 'signatureVersion=2 assigned=3 the secret is safe; tick failed: timeout';

    expect(redactText(text)).toBe(text);
  });

  it('hides the key values a client holds wherever they are echoed, URL-encoded too', () => {
    const encoded = 'ab+cd/ef==gh';
    const text = `{"msg":"bad key ${apiKey}"} echo=${secret} q=${encodeURIComponent(encoded)}`;

    const redacted = redactText(text, [apiKey, secret, encoded]);

    expect(redacted).toBe('{"msg":"bad key ***"} echo=*** q=***');
  });
});

describe('truncateText', () => {
  it('cuts a 100 KB body to the limit and says how many bytes it left out', () => {
    const body = 'x'.repeat(100 * 1024);

    const cut = truncateText(body);

    expect(cut).toBe(`${'x'.repeat(maxLoggedBytes)}…(+${100 * 1024 - maxLoggedBytes} bytes)`);
  });

  it('never cuts inside a character', () => {
    // 'é' is 2 bytes of UTF-8: 5 bytes fit two of them and no half of the third.
    expect(truncateText('éééé', 5)).toBe('éé…(+4 bytes)');
  });

  it('leaves text within the limit as it is', () => {
    const text = 'y'.repeat(maxLoggedBytes);

    expect(truncateText(text)).toBe(text);
  });
});

describe('createRedactor', () => {
  it('redacts before it cuts, so a secret is never left half shown at the cut', () => {
    const redactor = createRedactor([secret], 20);

    expect(redactor.text(`0123456789abcd ${secret}`)).toBe('0123456789abcd ***');
  });

  it("redacts an error's message and stack, and its cause's, keeping the error itself", () => {
    const cause = new Error(`GET /order?signature=deadbeef key ${apiKey}`);
    const error = new TypeError(`wrapped: ${cause.message}`, { cause });

    const redacted = createRedactor([apiKey]).error(error);

    expect(redacted).toBe(error);
    expect(redacted).toBeInstanceOf(TypeError);
    expect(error.message).toBe('wrapped: GET /order?signature=*** key ***');
    expect(cause.message).toBe('GET /order?signature=*** key ***');
    for (const text of [error.stack, cause.stack]) {
      expect(text).toContain('signature=***');
      expect(text).not.toContain('deadbeef');
      expect(text).not.toContain(apiKey);
    }
  });

  it('cuts a long response body in an error message to the limit', () => {
    const error = new Error(`binance 503 <html>${'x'.repeat(100_000)}</html>`);

    createRedactor().error(error);

    expect(new TextEncoder().encode(error.message).length).toBeLessThan(maxLoggedBytes + 32);
    expect(error.message).toMatch(/…\(\+\d+ bytes\)$/);
    expect(error.stack?.length).toBeLessThan(maxLoggedBytes + 2_000);
  });

  it('survives a cause chain that loops', () => {
    const a = new Error('a signature=1');
    const b = new Error('b signature=2', { cause: a });
    a.cause = b;

    createRedactor().error(a);

    expect([a.message, b.message]).toEqual(['a signature=***', 'b signature=***']);
  });

  it('as a JSON replacer, redacts and cuts every string of a log line, nested ones included', () => {
    const line = {
      message: 'tick failed',
      error: { message: 'GET ?signature=abc', cause: { message: `key ${apiKey}` } },
      body: 'z'.repeat(10_000),
      count: 3,
    };

    const parsed = JSON.parse(JSON.stringify(line, createRedactor([apiKey]).jsonReplacer));

    expect(parsed).toEqual({
      message: 'tick failed',
      error: { message: 'GET ?signature=***', cause: { message: 'key ***' } },
      body: `${'z'.repeat(maxLoggedBytes)}…(+${10_000 - maxLoggedBytes} bytes)`,
      count: 3,
    });
  });
});
