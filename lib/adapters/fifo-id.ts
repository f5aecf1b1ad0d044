import { createHash } from 'node:crypto';

const FIFO_ID_MAX = 128;

/**
 * `value` as a FIFO message group or deduplication id: SQS allows 1 to 128 characters of
 * alphanumerics and ASCII punctuation. A value that does not fit is cleaned (other characters
 * become `_`), cut, and suffixed with a hash of the original, so distinct values stay distinct.
 *
 * A module of its own, without the SQS client, so that the trade function's dead-letter adapter
 * can use it while loading the client only for a poison message.
 */
export function toFifoId(value: string): string {
  if (/^[!-~]{1,128}$/.test(value)) return value;
  const hash = createHash('sha256').update(value).digest('base64url').slice(0, 22);
  const cleaned = value.replace(/[^!-~]/g, '_').slice(0, FIFO_ID_MAX - hash.length - 1);
  return `${cleaned}~${hash}`;
}
