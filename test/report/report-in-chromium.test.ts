import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReportedSummary, runReportInput } from '../../lib/local/run-report.js';
import { formatNumber } from '../../lib/report/format-number.js';
import { renderReport } from '../../lib/report/render-report.js';
import { realisticRun } from './fixtures.js';

// Debian's Chromium, which `.ci/install-chromium` installs; playwright-core is pinned to the
// release that drives this Chromium version.
const chromiumPath = '/usr/bin/chromium';
// Where the screenshot goes for a human to look at; nothing asserts on it.
const screenshotPath = join(tmpdir(), 'tickfan-report.png');

/**
 * The little of the DOM the page functions below touch. They run in Chromium, where the real
 * globals exist; the project's type-check has no DOM library, and these stay local to this file.
 */
interface PageElement {
  getBoundingClientRect(): { width: number; height: number; left: number; top: number };
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  readonly textContent: string | null;
}
declare const document: { readonly scripts: { readonly length: number } };
declare const window: object;
declare function getComputedStyle(element: PageElement): {
  visibility: string;
  display: string;
  opacity: string;
  fill: string;
};

let dir: string;
let browser: Browser | undefined;
let page: Page;
let summary: ReportedSummary;
let roundTripsClosed: number;
const requests: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}: run .ci/install-chromium (CI runs it before the tests)`,
    );
  }
  const run = await realisticRun();
  summary = run.summary;
  roundTripsClosed = (runReportInput(run).trades ?? []).filter(
    (t) => t.exitTime !== undefined,
  ).length;
  dir = await mkdtemp(join(tmpdir(), 'tickfan-report-'));
  const file = join(dir, 'report.html');
  await writeFile(file, renderReport(runReportInput(run)));

  browser = await chromium.launch({
    executablePath: chromiumPath,
    // Root in a sandbox without network: no setuid sandbox, no GPU, nothing that phones home.
    // Playwright gives the browser a fresh temporary profile of its own.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  // Everything down to the first rows of the trade table: the hundreds of rows below add nothing
  // to look at and would triple the time the screenshot takes.
  const tradesTop = await page
    .locator('[data-section="trades"]')
    .evaluate((e: PageElement) => e.getBoundingClientRect().top);
  await page.screenshot({
    path: screenshotPath,
    fullPage: true,
    clip: { x: 0, y: 0, width: 1100, height: tradesTop + 300 },
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Size and visibility of every element matching `selector`, as the browser laid them out. */
function boxes(selector: string) {
  return page.locator(selector).evaluateAll((elements: PageElement[]) =>
    elements.map((e) => {
      const rect = e.getBoundingClientRect();
      const style = getComputedStyle(e);
      return {
        width: rect.width,
        height: rect.height,
        left: rect.left,
        top: rect.top,
        visible:
          style.visibility === 'visible' && style.display !== 'none' && style.opacity !== '0',
        fill: style.fill,
      };
    }),
  );
}

describe('the run report in headless Chromium', () => {
  it('loads as one file: nothing fetched, no script, no error', async () => {
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^file:.*report\.html$/);
    expect(pageErrors).toEqual([]);
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
  });

  it('draws a price line and an equity line for every symbol', async () => {
    for (const symbol of summary.symbols) {
      for (const chart of ['price', 'equity']) {
        const svg = `svg[data-chart="${chart}"][data-symbol="${symbol}"]`;
        const [frame] = await boxes(svg);
        expect(frame?.width).toBeGreaterThan(500);
        expect(frame?.height).toBeGreaterThan(100);
        const line = page.locator(`${svg} path[data-series]`);
        expect(await line.count()).toBe(1);
        expect((await line.getAttribute('d'))?.length ?? 0).toBeGreaterThan(1000);
        const [box] = await boxes(`${svg} path[data-series]`);
        expect(box?.width).toBeGreaterThan(400);
        expect(box?.height).toBeGreaterThan(50);
      }
    }
  });

  it('shows one visible marker per fill, green for buys and red for sells, inside its chart', async () => {
    for (const symbol of summary.symbols) {
      const svg = `svg[data-chart="price"][data-symbol="${symbol}"]`;
      const [frame] = await boxes(svg);
      const fills = summary.trades.filter((t) => t.symbol === symbol);
      for (const [side, colour] of [
        ['buy', 'rgb(22, 163, 74)'],
        ['sell', 'rgb(220, 38, 38)'],
      ] as const) {
        const expected = fills.filter((t) => t.side === side);
        const markers = await boxes(`${svg} [data-marker="${side}"]`);
        expect(markers).toHaveLength(expected.length);
        for (const m of markers) {
          expect(m.visible).toBe(true);
          expect(m.fill).toBe(colour);
          expect(m.width).toBeGreaterThan(4);
          expect(m.height).toBeGreaterThan(4);
          expect(m.left).toBeGreaterThanOrEqual(frame?.left ?? Number.NaN);
          expect(m.top).toBeGreaterThanOrEqual(frame?.top ?? Number.NaN);
          expect(m.left + m.width).toBeLessThanOrEqual((frame?.left ?? 0) + (frame?.width ?? 0));
          expect(m.top + m.height).toBeLessThanOrEqual((frame?.top ?? 0) + (frame?.height ?? 0));
        }
        const drawn = await page
          .locator(`${svg} [data-marker="${side}"]`)
          .evaluateAll((els: PageElement[]) =>
            els.map((e) => [e.getAttribute('data-time'), Number(e.getAttribute('data-price'))]),
          );
        expect(drawn).toEqual(expected.map((t) => [new Date(t.candleTime).toISOString(), t.price]));
      }
    }
  });

  it('shows the figures of the summary JSON, rounded by the one formatting helper', async () => {
    const json = JSON.parse(JSON.stringify(summary)) as ReportedSummary;
    const shownAs = (n: number) => Number(formatNumber(n));
    const shown = Object.fromEntries(
      await page
        .locator('[data-section="figures"] tr')
        .evaluateAll((rows: PageElement[]) =>
          rows.map((r) => [
            r.querySelector('th')?.textContent,
            Number(r.querySelector('td')?.textContent),
          ]),
        ),
    );
    expect(shown).toEqual({
      ticks: json.ticks,
      'symbol ticks: ok': json.tickOutcomes.ok,
      'symbol ticks: skipped': json.tickOutcomes.skipped,
      'symbol ticks: failed': json.tickOutcomes.failed,
      invocations: json.invocations,
      succeeded: json.succeeded,
      failed: json.failed,
      retried: json.retried,
      'dead-lettered': json.deadLettered,
      'skipped: stale': json.skipped.stale,
      'skipped: halted': json.skipped.halted,
      'skipped: breaker': json.skipped.breaker,
      'orders: intents': json.orders.intents,
      'orders: on the exchange': json.orders.exchange,
      'orders: duplicates': json.orders.duplicates,
      fills: json.trades.length,
      'positions: open': json.positions.open,
      'positions: with their stop on the exchange': json.positions.withStopOnExchange,
      'round trips': roundTripsClosed,
      'latency p50 (ms)': shownAs(json.latencyMs.p50),
      'latency p99 (ms)': shownAs(json.latencyMs.p99),
    });
    expect(roundTripsClosed).toBeGreaterThan(0);
    expect(roundTripsClosed).toBeLessThan(json.trades.length);
  });

  it('draws the latency histogram with a bar per bucket that add up to every symbol tick', async () => {
    const bars = page.locator('svg[data-chart="latency"] rect[data-bucket]');
    const counts = await bars.evaluateAll((els: PageElement[]) =>
      els.map((e) => Number(e.getAttribute('data-count'))),
    );
    const measured = summary.symbols.reduce(
      (sum, s) => sum + (summary.perSymbol[s]?.ticks ?? 0),
      0,
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(measured);
    const tallest = Math.max(
      ...(await boxes('svg[data-chart="latency"] rect[data-bucket]')).map((b) => b.height),
    );
    expect(tallest).toBeGreaterThan(100);
    await expect(page.locator('[data-bucket-rule]').textContent()).resolves.toContain(
      'Freedman–Diaconis',
    );
  });

  it('shows an error message holding markup as text', async () => {
    const example = page.locator('[data-table="failures"] td.example', { hasText: 'window.pwned' });
    await expect(example.textContent()).resolves.toBe(
      '<script>window.pwned = true</script> & "quoted" <b>bold</b>',
    );
    expect(await page.evaluate(() => 'pwned' in window)).toBe(false);
    expect(await page.locator('[data-table="failures"] b').count()).toBe(0);
  });
});
