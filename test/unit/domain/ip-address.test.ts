import { describe, expect, it } from 'vitest';
import { parseIpv4, whitelistAllows } from '../../../lib/domain/ip-address.js';

describe('parseIpv4', () => {
  it.each(['203.0.113.7', '0.0.0.0', '255.255.255.255'])('reads %s', (ip) => {
    expect(parseIpv4(ip)).toBeTypeOf('number');
  });

  it.each(['300.1.2.3', '1.2.3', '1.2.3.4.5', 'a.b.c.d', '', '1.2.3.4/32'])(
    'refuses %j',
    (text) => {
      expect(parseIpv4(text)).toBeUndefined();
    },
  );
});

describe('whitelistAllows', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7', true],
    ['203.0.113.7', '203.0.113.8', false],
    ['203.0.113.0/28', '203.0.113.15', true],
    ['203.0.113.0/28', '203.0.113.16', false],
    ['203.0.113.7/32', '203.0.113.7', true],
    ['0.0.0.0/0', '198.51.100.9', true],
    ['203.0.113.0/x', '203.0.113.1', false],
  ] as const)('%s lets %s in: %s', (entry, ip, allowed) => {
    expect(whitelistAllows(entry, ip)).toBe(allowed);
  });
});
