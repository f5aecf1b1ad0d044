/** An IPv4 address as a 32-bit number; undefined for anything else. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return undefined;
  }
  return parts.reduce((value, p) => value * 256 + Number(p), 0);
}

/** Whether whitelist `entry` (an IPv4 address, or a range `a.b.c.d/n`) lets `ip` in. */
export function whitelistAllows(entry: string, ip: string): boolean {
  const [base = '', bits] = entry.split('/');
  if (bits === undefined) return base === ip;
  const prefix = Number(bits);
  const a = parseIpv4(base);
  const b = parseIpv4(ip);
  if (a === undefined || b === undefined || !Number.isInteger(prefix)) return false;
  if (prefix <= 0) return prefix === 0;
  const mask = prefix >= 32 ? 0xffffffff : ~((1 << (32 - prefix)) - 1) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}
