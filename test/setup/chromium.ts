import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The report test drives Debian's Chromium. On a machine where it is missing and the tests run
 * as root (a fresh CI machine), install it once, so `npm install && npm test` is all it takes;
 * elsewhere the browser test fails with a message naming `.ci/install-chromium`.
 */
export default function ensureChromium(): void {
  if (existsSync('/usr/bin/chromium')) return;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) return;
  console.error(
    'tickfan tests: installing Debian chromium for the report test (.ci/install-chromium)',
  );
  execFileSync('bash', ['.ci/install-chromium'], { stdio: 'inherit' });
}
