import type { MachineInfo } from './lib/machine.js';
import {
  type Guarded,
  isFailure,
  type SectionFailure,
  type SectionRun,
} from './lib/section-guard.js';
import { type Row, type Target, verdict } from './lib/table.js';
import type { BacktestFigures } from './sections/backtest.js';
import type { BundleFigures } from './sections/bundle.js';
import type { ColdInitFigures } from './sections/cold-init.js';
import type { FanOutFigures } from './sections/fan-out.js';
import type { IsolationFigures } from './sections/isolation.js';
import type { OverheadRun } from './sections/overhead.js';
import type { ScaleFigures } from './sections/scale.js';

export interface SharedLoopFigures {
  /** Median wall time of one loop tick over all symbols. */
  readonly sharedLoopTickMs: number;
  /** The same with one symbol hung: the loop waits out its timeout on every tick. */
  readonly sharedLoopTickWithHangMs: number;
  /** The per-symbol timeout the loop gives each symbol. */
  readonly sharedLoopTimeoutMs: number;
  readonly sharedLoopTimedOut: number;
}

/**
 * What `npm run bench -- --json PATH` writes: one key per section, as in issue 7. Each holds the
 * section's figures, or `{ failed: true, reason, timedOut }` when it threw or ran out of time,
 * and its `sectionRun`: the 1-minute load before and after, and any attempt repeated.
 */
export interface BenchResults {
  readonly date: string;
  machine?: MachineInfo;
  wallTimeMs?: number;
  /** The sections that failed, in the order they ran; absent when none did. */
  failedSections?: string[];
  coldInit?: Guarded<ColdInitFigures>;
  bundle?: Guarded<BundleFigures>;
  isolation?: Guarded<IsolationFigures & Partial<SharedLoopFigures>>;
  fanOut?: Guarded<FanOutFigures>;
  overhead?: Guarded<OverheadRun & { readonly withRateLimiter?: OverheadRun }>;
  backtest?: Guarded<BacktestFigures>;
  /**
   * A thousand symbols: one field per measurement (`fanOut`, `tick`, `rateBudget`,
   * `memoryPerContainerMb`), each run as its own step and holding its figures or its failure.
   */
  scale?: ScaleFigures;
}

/** The targets of issue 7. `MB` is 10^6 bytes, the stricter reading. */
export const targets = {
  coldInitRatioToExchangeFloor: { op: '<=', limit: 1.2, label: '<= 1.2' },
  tradeBytes: { op: '<=', limit: 1_500_000, label: '<= 1.5 MB' },
  isolationRatio: { op: '<=', limit: 1.1, label: '<= 1.1' },
  fanOutRatio: { op: '<=', limit: 2, label: '<= 2' },
  overheadP50Ms: { op: '<=', limit: 10, label: '<= 10 ms' },
  candlesPerSec: { op: '>=', limit: 2_000_000, label: '>= 2,000,000' },
  scaleTickRatio: { op: '<=', limit: 1, label: '<= 1' },
} as const satisfies Record<string, Target>;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number, digits = 0) => `${digits === 0 ? int(n) : n.toFixed(digits)} ms`;
const bytes = (n: number) => `${int(n)} B`;

function row(
  section: string,
  figure: string,
  value: number,
  shown: string,
  anchor: string,
  target?: Target,
): Row {
  return {
    section,
    figure,
    value: shown,
    target: target?.label ?? '',
    anchor,
    verdict: verdict(value, target),
  };
}

/** The table rows of whatever sections `results` holds, in the order. */
export function rowsOf(results: BenchResults): Row[] {
  const rows: Row[] = [];
  const c = figuresOf(rows, 'coldInit', results.coldInit);
  if (c) {
    rows.push(
      row(
        'coldInit',
        'tradeMs',
        c.tradeMs,
        ms(c.tradeMs),
        "import the bench's trade bundle (lib/local/entries/trade-binance.ts) + build handler",
      ),
      row('coldInit', 'fullCcxtMs', c.fullCcxtMs, ms(c.fullCcxtMs), "import('ccxt'), the barrel"),
      row('coldInit', 'emptyNodeMs', c.emptyNodeMs, ms(c.emptyNodeMs), "node -e ''"),
      row(
        'coldInit',
        'awsSdkMs',
        c.awsSdkMs,
        ms(c.awsSdkMs),
        `import ${c.awsSdkPackages.length} external @aws-sdk packages only`,
      ),
      row(
        'coldInit',
        'binanceOnlyMs',
        c.binanceOnlyMs,
        ms(c.binanceOnlyMs),
        "bundle of ccxt's binance class alone",
      ),
      row(
        'coldInit',
        'ratioToExchangeFloor',
        c.ratioToExchangeFloor,
        c.ratioToExchangeFloor.toFixed(3),
        'tradeMs / binanceOnlyMs',
        targets.coldInitRatioToExchangeFloor,
      ),
      row('coldInit', 'ratio', c.ratio, c.ratio.toFixed(3), 'tradeMs / fullCcxtMs (old target)'),
      ...Object.entries(c.exchanges ?? {})
        .filter(([id]) => id !== 'binance')
        .map(([id, e]) =>
          row(
            'coldInit',
            `exchanges.${id}.ratioToExchangeFloor`,
            e.ratioToExchangeFloor,
            e.ratioToExchangeFloor.toFixed(3),
            `${id}'s bench trade bundle ${ms(e.tradeMs)} / its class alone ${ms(e.classOnlyMs)}`,
            targets.coldInitRatioToExchangeFloor,
          ),
        ),
      row(
        'coldInit',
        'floorRatio',
        c.floorRatio,
        c.floorRatio.toFixed(3),
        'binanceOnlyMs / fullCcxtMs: the least reachable',
      ),
    );
    const d = c.deployed;
    if (d !== undefined && 'failed' in d) {
      rows.push({ ...failedRow('coldInit', d), figure: 'deployed' });
    } else if (d !== undefined) {
      const from = d.source === 'synthesized' ? 'synthesized by this run' : `from ${d.source}`;
      rows.push(
        row(
          'coldInit',
          'deployed.tradeMs',
          d.tradeMs,
          ms(d.tradeMs),
          `the deployed trade asset (${from}, ${bytes(d.tradeBytes)}) with its template's environment`,
        ),
        row(
          'coldInit',
          'deployed.ratioToExchangeFloor',
          d.ratioToExchangeFloor,
          d.ratioToExchangeFloor.toFixed(3),
          'deployed.tradeMs / binanceOnlyMs',
          targets.coldInitRatioToExchangeFloor,
        ),
        row(
          'coldInit',
          'deployed.ratio',
          d.ratio,
          d.ratio.toFixed(3),
          'deployed.tradeMs / fullCcxtMs (old target)',
        ),
        row(
          'coldInit',
          'deployed.toBenchBuild',
          d.toBenchBuild,
          d.toBenchBuild.toFixed(3),
          `deployed.tradeMs / tradeMs (the bench's build, ${bytes(c.tradeBytes)})`,
        ),
      );
    }
  }
  runRow(rows, 'coldInit', results.coldInit);
  const b = figuresOf(rows, 'bundle', results.bundle);
  if (b) {
    rows.push(
      row(
        'bundle',
        'tradeBytes',
        b.tradeBytes,
        bytes(b.tradeBytes),
        '1.5 MB = 1,500,000 B; ccxt barrel bundle 6.3 MB',
        targets.tradeBytes,
      ),
      row(
        'bundle',
        'tradeGzipBytes',
        b.tradeGzipBytes,
        bytes(b.tradeGzipBytes),
        'node:zlib gzip of tradeBytes',
      ),
      row('bundle', 'fanOutBytes', b.fanOutBytes, bytes(b.fanOutBytes), 'fan-out bundle, no ccxt'),
      row(
        'bundle',
        'fanOutGzipBytes',
        b.fanOutGzipBytes,
        bytes(b.fanOutGzipBytes),
        'node:zlib gzip of fanOutBytes',
      ),
    );
    const d = b.deployed;
    if (d !== undefined && 'failed' in d) {
      rows.push({ ...failedRow('bundle', d), figure: 'deployed' });
    } else if (d !== undefined) {
      rows.push(
        row(
          'bundle',
          'deployed.tradeBytes',
          d.tradeBytes,
          bytes(d.tradeBytes),
          'the synthesized trade asset (functions/trade-<exchange>.ts) as deployed',
          targets.tradeBytes,
        ),
        row(
          'bundle',
          'deployed.tradeGzipBytes',
          d.tradeGzipBytes,
          bytes(d.tradeGzipBytes),
          'node:zlib gzip of deployed.tradeBytes',
        ),
      );
    }
  }
  runRow(rows, 'bundle', results.bundle);
  const i = figuresOf(rows, 'isolation', results.isolation);
  if (i) {
    const healthy = `${i.symbols - i.faults.length} healthy symbols x ticks 2-${i.ticks} x ${i.pairs} runs`;
    rows.push(
      row('isolation', 'healthyP99Ms', i.healthyP99Ms, ms(i.healthyP99Ms), `${healthy}, no fault`),
      row(
        'isolation',
        'healthyP99WithFaultsMs',
        i.healthyP99WithFaultsMs,
        ms(i.healthyP99WithFaultsMs),
        `same, ${i.faults.join(' ')}`,
      ),
      row(
        'isolation',
        'ratio',
        i.ratio,
        i.ratio.toFixed(3),
        'healthyP99Ms (fault-free run)',
        targets.isolationRatio,
      ),
    );
    if (i.sharedLoopTickMs !== undefined && i.sharedLoopTickWithHangMs !== undefined) {
      const timeout = i.sharedLoopTimeoutMs ?? Number.NaN;
      rows.push(
        row(
          'isolation',
          'sharedLoopTickMs',
          i.sharedLoopTickMs,
          ms(i.sharedLoopTickMs),
          `baseline: one loop over ${i.symbols} symbols`,
        ),
        row(
          'isolation',
          'sharedLoopTickWithHangMs',
          i.sharedLoopTickWithHangMs,
          ms(i.sharedLoopTickWithHangMs),
          `sharedLoopTickMs + its ${int(timeout)} ms per-symbol timeout`,
        ),
      );
    }
  }
  runRow(rows, 'isolation', results.isolation);
  const f = figuresOf(rows, 'fanOut', results.fanOut);
  if (f) {
    rows.push(
      row('fanOut', 'ms', f.ms, ms(f.ms), `${int(f.symbols)} symbols, +${f.rttMs} ms per request`),
      row(
        'fanOut',
        'limitMs',
        f.limitMs,
        ms(f.limitMs),
        `ceil(${f.symbols}/10) / ${f.concurrency} x ${f.rttMs} ms`,
      ),
      row('fanOut', 'ratio', f.ratio, f.ratio.toFixed(3), 'ms / limitMs', targets.fanOutRatio),
    );
  }
  runRow(rows, 'fanOut', results.fanOut);
  const o = figuresOf(rows, 'overhead', results.overhead);
  if (o) {
    const parts = `exchange ${o.exchangeP50Ms} (ccxt rate limiter ${o.rateLimiterP50Ms}), store ${o.storeP50Ms}, rest ${o.restP50Ms}`;
    rows.push(
      row(
        'overhead',
        'p50Ms',
        o.p50Ms,
        ms(o.p50Ms, 1),
        `p50 parts: ${parts}`,
        targets.overheadP50Ms,
      ),
      row(
        'overhead',
        'p99Ms',
        o.p99Ms,
        ms(o.p99Ms, 1),
        `${o.ticks} ticks, ${o.orderTicks} with an order`,
      ),
      row(
        'overhead',
        'dynamoRoundTripsPerTick',
        o.dynamoRoundTripsPerTick,
        String(o.dynamoRoundTripsPerTick),
        `median; ${o.storeCallsPerTick} state-store calls, ${o.exchangeCallsPerTick} exchange calls`,
      ),
    );
    const w = o.withRateLimiter;
    if (w) {
      rows.push(
        row(
          'overhead',
          'p50Ms, ccxt throttle on',
          w.p50Ms,
          ms(w.p50Ms, 1),
          `enableRateLimit=true (not shipped); store ${w.storeP50Ms}, exchange ${w.exchangeP50Ms}`,
        ),
      );
    }
  }
  runRow(rows, 'overhead', results.overhead);
  const t = figuresOf(rows, 'backtest', results.backtest);
  if (t) {
    rows.push(
      row(
        'backtest',
        'candlesPerSec',
        t.candlesPerSec,
        int(t.candlesPerSec),
        `sma-cross, ${int(t.candles)} candles, median of ${t.runs}`,
        targets.candlesPerSec,
      ),
    );
  }
  runRow(rows, 'backtest', results.backtest);
  scaleRows(rows, results.scale ?? {});
  return rows;
}

/**
 * A section's figures, or `undefined` when it has none: absent, or failed, in which case one
 * `failed` row with its reason goes into `rows` in place of its figures.
 */
function figuresOf<T extends object>(
  rows: Row[],
  section: string,
  entry: Guarded<T> | undefined,
): T | undefined {
  if (entry === undefined) return undefined;
  if (!isFailure(entry)) return entry;
  rows.push(failedRow(section, entry));
  return undefined;
}

function failedRow(section: string, failure: SectionFailure): Row {
  return {
    section,
    figure: 'failed',
    value: failure.timedOut ? 'timed out' : 'threw',
    target: '',
    anchor: failure.reason,
    verdict: 'failed',
  };
}

/** How a section ran, as one row: the 1-minute load around it, its wall time, its repeats. */
function runRow(
  rows: Row[],
  section: string,
  entry: { sectionRun?: SectionRun } | undefined,
  prefix = '',
) {
  const run = entry?.sectionRun;
  if (run === undefined) return;
  const notKept = (run.discarded ?? []).map((d) => d.reason);
  rows.push({
    section,
    figure: `${prefix}load1`,
    value: `${run.load1Before.toFixed(2)} -> ${run.load1After.toFixed(2)}`,
    target: '',
    anchor: [
      `1-minute load before -> after (max ${run.load1Max.toFixed(2)}), ${(run.wallMs / 1000).toFixed(1)} s`,
      ...(run.prepareMs === undefined
        ? []
        : [`${(run.prepareMs / 1000).toFixed(1)} s of builds before, untimed`]),
      ...(notKept.length > 0
        ? [`${run.attempts} attempts, the calmest kept; not kept: ${notKept.join('; ')}`]
        : []),
    ].join('; '),
    verdict: '',
  });
}

/** The scale section's rows: each measurement's figures (or its failure) and its load. */
function scaleRows(rows: Row[], scale: ScaleFigures): void {
  const measured = <T extends object>(name: string, entry: Guarded<T> | undefined) => {
    if (entry === undefined) return undefined;
    if (!isFailure(entry)) return entry;
    rows.push({ ...failedRow('scale', entry), figure: name });
    return undefined;
  };
  const f = measured('fanOut', scale.fanOut);
  if (f) {
    const calls = `${f.batchReads} BatchGetItem, ${f.itemReads} GetItem, ${f.sendCalls} SendMessageBatch calls`;
    rows.push(
      row(
        'scale',
        'fanOut.p50Ms',
        f.p50Ms,
        ms(f.p50Ms),
        `fanOutTick, ${int(f.symbols)} symbols due, dynalite + local-aws-sqs, ${f.repeats} runs`,
      ),
      row('scale', 'fanOut.p95Ms', f.p95Ms, ms(f.p95Ms), `per fan-out: ${calls}`),
      row(
        'scale',
        'fanOut.cpuP50Ms',
        f.cpuP50Ms,
        ms(f.cpuP50Ms),
        'user + system CPU of the fan-out itself, median',
      ),
    );
  }
  runRow(rows, 'scale', scale.fanOut, 'fanOut.');
  const t = measured('tick', scale.tick);
  if (t) {
    const list = (values: readonly number[]) => values.map((v) => int(v)).join(', ');
    const e = t.exchange;
    rows.push(
      row(
        'scale',
        'tick.latencyMs',
        t.latencyMs,
        ms(t.latencyMs),
        `slowest of ${t.tickLatenciesMs.length} ticks (${list(t.tickLatenciesMs)} ms) of ${int(t.symbols)} symbols on runLocal, time scale ${t.timeScale}: fan-out start to last symbol end`,
      ),
      row(
        'scale',
        'tick.singleSymbolMs',
        t.singleSymbolMs,
        ms(t.singleSymbolMs),
        `one symbol alone, median of ticks 2-${t.singleSymbolTicksMs.length} (warm container; all: ${list(t.singleSymbolTicksMs)} ms)`,
      ),
      row(
        'scale',
        'tick.limitMs',
        t.limitMs,
        ms(t.limitMs),
        `ceil(${t.symbols} / ${t.concurrency}) x singleSymbolMs`,
      ),
      row(
        'scale',
        'tick.ratio',
        t.ratio,
        t.ratio.toFixed(3),
        'latencyMs / limitMs',
        targets.scaleTickRatio,
      ),
      row(
        'scale',
        'tick.lost',
        t.lost,
        int(t.lost),
        `of ${int(t.dueSymbolTicks)} due symbol ticks; ${int(t.failedInvocations)} failed invocations`,
      ),
      row(
        'scale',
        'tick.exchange.requests',
        e.requests,
        int(e.requests),
        `weight ${int(e.weight)}, http429 ${e.http429}, http418 ${e.http418}, marketsRequests ${e.marketsRequests}`,
      ),
      row(
        'scale',
        'tick.peakRssMb',
        t.peakRssMb,
        `${t.peakRssMb.toFixed(0)} MB`,
        `sampled every 250 ms during the run of ${int(t.symbols)} (process lifetime peak ${t.processMaxRssMb.toFixed(0)} MB)`,
      ),
      row(
        'scale',
        'tick.runCpuMs',
        t.runCpuMs,
        ms(t.runCpuMs),
        `CPU of every thread over the run of ${int(t.symbols)} (start-up and drain included), ${int(t.runWallMs)} ms wall on ${t.cores} cores`,
      ),
    );
  }
  runRow(rows, 'scale', scale.tick, 'tick.');
  const b = measured('rateBudget', scale.rateBudget);
  if (b) {
    const warm = b.ticks.slice(1);
    const firsts = warm.map((x) => x.firstOfWindow.writes).join(', ');
    rows.push(
      row(
        'scale',
        'rateBudget.writesPerTick',
        b.writesPerTick,
        int(b.writesPerTick),
        `${int(b.symbols)} reservations of weight ${b.weightPerReservation} by ${b.containers} containers, ticks ${b.tickPeriodMs / 1000} s apart, ${b.windowMs / 1000} s window; each container's first of the tick: ${firsts} writes`,
      ),
      row(
        'scale',
        'rateBudget.readsPerTick',
        b.readsPerTick,
        int(b.readsPerTick),
        'GetItem only after a refusal',
      ),
      row(
        'scale',
        'rateBudget.firstTick.writes',
        b.firstTick.writes,
        int(b.firstTick.writes),
        `fresh containers; ${b.firstTick.reads} reads`,
      ),
      row(
        'scale',
        'rateBudget.steadyWritesPerReservation',
        b.steadyWritesPerReservation,
        String(b.steadyWritesPerReservation),
        'in a window the container already drew from: one conditional UpdateItem',
      ),
    );
  }
  runRow(rows, 'scale', scale.rateBudget, 'rateBudget.');
  const m = measured('memoryPerContainerMb', scale.memoryPerContainerMb);
  if (m) {
    const rss = m.rssMb;
    rows.push(
      row(
        'scale',
        'memoryPerContainerMb',
        m.mb,
        `${m.mb.toFixed(1)} MB`,
        `process RSS growth per pre-warmed trade container after the first, at init (${m.containers} containers, ${int(m.symbols)} symbols); trade function ${m.functionMemoryMb} MB`,
      ),
      row(
        'scale',
        'memoryPerContainerMb.firstContainerMb',
        m.firstContainerMb,
        `${m.firstContainerMb.toFixed(1)} MB`,
        'the first container, the worker runtime included',
      ),
      row(
        'scale',
        'memoryPerContainerMb.afterTickMb',
        m.afterTickMb,
        `${m.afterTickMb.toFixed(1)} MB`,
        `upper bound after one tick of ${int(m.invocations)} invocations (RSS ${rss.base.toFixed(0)} -> ${rss.first.toFixed(0)} -> ${rss.all.toFixed(0)} -> ${rss.afterTick.toFixed(0)} MB)`,
      ),
    );
  }
  runRow(rows, 'scale', scale.memoryPerContainerMb, 'memoryPerContainerMb.');
}
