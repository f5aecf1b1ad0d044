import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchangeClients } from '../../lib/adapters/exchanges/clients.js';
import { type ExchangeId, exchangeIds } from '../../lib/config/schema.js';

const tsx = join('node_modules', '.bin', 'tsx');
const ltc = join('lib', 'market-data', 'ohlcv', 'LTC_BTC-5m.json');
const stackLine = /^\s+at /m;
let dir: string;
let home: string;

interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

// Each spawn loads tsx and the command's imports (about a second of CPU): two at a time.
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await work();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** An environment with no AWS region, profile or credentials, and no instance metadata to ask. */
function withoutAws(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (/^AWS_/.test(key)) delete env[key];
  return {
    ...env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

function start(script: string, args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(tsx, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function finish(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Runs `tsx script ...args` to its end. */
function run(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = withoutAws(),
): Promise<Finished> {
  return slot(() => finish(start(script, args, env)));
}

function nonEmptyLines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-front-door-'));
  home = await mkdtemp(join(tmpdir(), 'tickfan-front-door-home-'));
});
afterAll(async () => {
  await Promise.all([dir, home].map((d) => rm(d, { recursive: true, force: true })));
});

describe('the front door of every command', () => {
  // [what the person typed, script, args, exit code, what the one line must name]
  const state = () => ['--state-dir', join(dir, 'state')];
  const mistakes: [string, string, () => string[], number, RegExp][] = [
    [
      'npm run invoke -- BTC/USDT',
      'lib/cli/invoke.ts',
      () => ['BTC/USDT', ...state()],
      2,
      /"BTC\/USDT" is not configured/,
    ],
    [
      'npm run invoke -- LTC/BTC --at yesterday',
      'lib/cli/invoke.ts',
      () => ['LTC/BTC', '--at', 'yesterday', ...state()],
      2,
      /--at "yesterday"/,
    ],
    [
      'npm run simulator -- --synthetic lots',
      'lib/cli/simulator.ts',
      () => ['--synthetic', 'lots'],
      2,
      /^tickfan simulator: --synthetic must be a whole number from 0 to 9999 \(got "lots"\)$/m,
    ],
    [
      'npm run preflight -- --egress-ip 300.1.2.3',
      'lib/cli/preflight.ts',
      () => ['--egress-ip', '300.1.2.3', '--url', 'http://127.0.0.1:9'],
      2,
      /--egress-ip "300\.1\.2\.3" is not an IPv4 address/,
    ],
    [
      'npm run preflight -- --stage prod',
      'lib/cli/preflight.ts',
      () => ['--stage', 'prod', '--url', 'http://127.0.0.1:9'],
      2,
      /--stage goes with --remote/,
    ],
    [
      'npm run preflight -- --exchange bybit',
      'lib/cli/preflight.ts',
      () => ['--exchange', 'bybit', '--url', 'http://127.0.0.1:9'],
      2,
      /--exchange "bybit": not one of binance, okx, kraken/,
    ],
    [
      'npm run download -- --exchange bybit',
      'lib/cli/download.ts',
      () => ['--exchange', 'bybit', '--symbol', 'LTC/BTC', '--timeframe', '5m'],
      2,
      /--exchange: "bybit" is not supported \(binance, okx, kraken\)/,
    ],
    [
      'npm start -- --fault hang',
      'lib/cli/start.ts',
      () => ['--fault', 'hang', ...state()],
      2,
      /--fault "hang": expected KIND:SYMBOL/,
    ],
    [
      'npm start -- --fault explode:LTC/BTC',
      'lib/cli/start.ts',
      () => ['--fault', 'explode:LTC/BTC', ...state()],
      2,
      /--fault "explode:LTC\/BTC": unknown fault kind "explode"/,
    ],
    [
      'npm start -- --fault hang:FOO/BAR',
      'lib/cli/start.ts',
      () => ['--fault', 'hang:FOO/BAR', ...state()],
      2,
      /--fault "hang:FOO\/BAR": symbol "FOO\/BAR" is not traded/,
    ],
    [
      'npm start -- --config nope.json',
      'lib/cli/start.ts',
      () => ['--config', 'nope.json', ...state()],
      2,
      /--config "nope.json": no such file/,
    ],
    [
      'npm start -- --report /no/such/dir/x.html',
      'lib/cli/start.ts',
      () => ['--report', '/no/such/dir/x.html', ...state()],
      2,
      /--report "\/no\/such\/dir\/x.html": folder \/no\/such\/dir does not exist/,
    ],
    [
      'npm start -- --summary-json /no/such/dir/s.json',
      'lib/cli/start.ts',
      () => ['--summary-json', '/no/such/dir/s.json', ...state()],
      2,
      /--summary-json "\/no\/such\/dir\/s.json": folder \/no\/such\/dir does not exist/,
    ],
    [
      'npm start -- --notify-url hooks.example',
      'lib/cli/start.ts',
      () => ['--notify-url', 'hooks.example', ...state()],
      2,
      /^tickfan start: --notify-url "hooks.example": expected an http\(s\) URL$/,
    ],
    [
      'npm start -- --bogus',
      'lib/cli/start.ts',
      () => ['--bogus', ...state()],
      2,
      /^tickfan start: unknown option --bogus; see --help$/,
    ],
    // The range and each kind of bad value: test/unit/cli/args.test.ts.
    [
      'npm start -- --synthetic many',
      'lib/cli/start.ts',
      () => ['--synthetic', 'many', ...state()],
      2,
      /^tickfan start: --synthetic must be a whole number from 1 to 5000 \(got "many"\)$/,
    ],
    [
      'npm run cost -- --from-summary /missing.json',
      'lib/cli/cost.ts',
      () => ['--from-summary', '/missing.json'],
      2,
      /--from-summary "\/missing.json": no such file/,
    ],
    [
      'npm run backtest -- --data LTC_BTC-5m.json --report /no/such/dir/x.html',
      'lib/cli/backtest.ts',
      () => ['--data', ltc, '--report', '/no/such/dir/x.html'],
      2,
      /--report "\/no\/such\/dir\/x.html": folder \/no\/such\/dir does not exist/,
    ],
    [
      'npm run backtest -- --data nope.json',
      'lib/cli/backtest.ts',
      () => ['--data', 'nope.json'],
      2,
      /--data "nope.json": no such file/,
    ],
    [
      'npm run invoke -- LTC/BTC --remote (no region)',
      'lib/cli/invoke.ts',
      () => ['LTC/BTC', '--remote'],
      1,
      /no AWS region: set AWS_REGION=.* or give --region/,
    ],
    [
      'npm run halt -- --remote (no region)',
      'lib/cli/control.ts',
      () => ['halt', '--remote'],
      1,
      /no AWS region: set AWS_REGION=.* or give --region/,
    ],
    [
      'npm run resume -- --remote (no region)',
      'lib/cli/control.ts',
      () => ['resume', '--remote'],
      1,
      /no AWS region: set AWS_REGION=.* or give --region/,
    ],
    [
      'npm run halt -- --remote --region eu-west-1 (no credentials)',
      'lib/cli/control.ts',
      () => ['halt', '--remote', '--region', 'eu-west-1'],
      1,
      /no AWS credentials: set AWS_PROFILE=/,
    ],
  ];

  it.concurrent.each(mistakes)(
    '%s prints one line naming it, no stack, and a non-zero exit',
    async (_, script, args, code, names) => {
      const result = await run(script, args());

      expect(result.code).toBe(code);
      const lines = nonEmptyLines(result.stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(names);
      expect(result.stderr).not.toMatch(stackLine);
      // Each of these fails before any work: no backtest printed, no run started.
      expect(result.stdout).toBe('');
    },
    120_000,
  );

  it.concurrent('says that resume has nothing to resume when nothing is halted', async () => {
    const result = await run('lib/cli/control.ts', [
      'resume',
      '--state-dir',
      join(dir, 'never-halted'),
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^not halted; nothing to resume/);
    expect(result.stdout).not.toContain('trading resumed');
  }, 120_000);

  it.concurrent.each([
    ['--verbose', ['--verbose'], {}],
    ['TICKFAN_DEBUG=1', [], { TICKFAN_DEBUG: '1' }],
  ])(
    'shows the stack of a failure with %s',
    async (_, flags, extra) => {
      const result = await run(
        'lib/cli/start.ts',
        ['--fault', 'hang', '--state-dir', join(dir, 'state'), ...flags],
        withoutAws(extra),
      );

      expect(result.code).toBe(2);
      expect(nonEmptyLines(result.stderr)[0]).toMatch(/^tickfan start: --fault "hang"/);
      expect(result.stderr).toMatch(stackLine);
    },
    120_000,
  );
});

describe('--help', () => {
  // Every npm script that runs a tsx entry point, as package.json declares it.
  const scripts = async () => {
    const { scripts } = JSON.parse(await readFile('package.json', 'utf8')) as {
      scripts: Record<string, string>;
    };
    return Object.entries(scripts).flatMap(([name, command]) => {
      const [runner, script, ...args] = command.split(' ');
      return runner === 'tsx' && script !== undefined ? [{ name, script, args }] : [];
    });
  };

  it('is answered by every npm script with its usage and exit 0, without starting any work', async () => {
    const entries = await scripts();
    expect(entries.map((e) => e.name)).toEqual(
      expect.arrayContaining([
        'start',
        'invoke',
        'backtest',
        'download',
        'halt',
        'resume',
        'preflight',
        'cost',
        'bench',
        'simulator',
      ]),
    );

    const results = await Promise.all(
      entries.map(async (e) => ({
        name: e.name,
        ...(await run(e.script, [...e.args, '--help'])),
      })),
    );

    for (const result of results) {
      expect({ name: result.name, code: result.code }).toEqual({ name: result.name, code: 0 });
      expect(result.stdout, result.name).toMatch(/^usage: /);
      expect(result.stdout, result.name).toMatch(/^ {2}--help /m);
      // bench prints "[1/6] coldInit: ..." as a section starts; none may.
      expect(result.stdout, result.name).not.toMatch(/^\[\d+\/\d+\]/m);
      expect(result.stderr, result.name).toBe('');
    }
  }, 240_000);

  it('lists every option npm start accepts in its usage line, --state-dir included', async () => {
    const result = await run('lib/cli/start.ts', ['--help']);

    const usage = result.stdout.split('\n')[0] ?? '';
    for (const flag of [
      '--ticks N',
      '--symbols A,B',
      '--fault KIND:SYMBOL[:ARG]',
      '--summary-json PATH',
      '--report PATH',
      '--resume',
      '--time-scale F',
      '--synthetic N',
      '--config FILE',
      '--state-dir DIR',
    ]) {
      expect(usage).toContain(`[${flag}]`);
    }
  }, 120_000);
});

const simulatorHints: Record<ExchangeId, (url: string) => string> = {
  binance: (url) => `set urls.api.public and urls.api.private to ${url}/api/v3`,
  okx: (url) => `set urls.api.rest to ${url}`,
  kraken: (url) => `set urls.api.public and urls.api.private to ${url}`,
};

describe.each(exchangeIds)('npm run simulator -- --exchange %s', (id) => {
  it(`serves the shipped candles to ccxt ${id} at the URL it prints, and stops cleanly on SIGINT`, async () => {
    const child = start('lib/cli/simulator.ts', ['--exchange', id, '--port', '0'], withoutAws());
    const finished = finish(child);
    let printed = '';
    const pattern = new RegExp(`exchange simulator \\(${id}\\) at (http://127\\.0\\.0\\.1:\\d+) `);
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        const found = pattern.exec(printed)?.[1];
        if (found !== undefined) resolve(found);
      });
      child.once('exit', (code) => reject(new Error(`simulator exited ${code}: ${printed}`)));
    });

    const client = exchangeClients[id]({ url });
    const markets = await client.loadMarkets();
    child.kill('SIGINT');
    const result = await finished;

    expect(printed).toContain(simulatorHints[id](url));
    expect(printed).toMatch(/serving [^;]*LTC\/BTC/);
    expect(Object.keys(markets)).toEqual(expect.arrayContaining(['LTC/BTC', 'ETH/BTC']));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('simulator stopped (SIGINT)');
  }, 120_000);
});

describe('npm run simulator -- --synthetic N', () => {
  it('serves N synthetic markets besides the shipped ones, and says how many it serves', async () => {
    const child = start('lib/cli/simulator.ts', ['--synthetic', '3', '--port', '0'], withoutAws());
    const finished = finish(child);
    let printed = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        const found = / at (http:\/\/127\.0\.0\.1:\d+) /.exec(printed)?.[1];
        if (found !== undefined) resolve(found);
      });
      child.once('exit', (code) => reject(new Error(`simulator exited ${code}: ${printed}`)));
    });

    const markets = await exchangeClients.binance({ url }).loadMarkets();
    child.kill('SIGINT');
    const result = await finished;

    expect(printed).toContain('3 synthetic (S0001/BTC ... S0003/BTC)');
    expect(Object.keys(markets)).toEqual(
      expect.arrayContaining(['LTC/BTC', 'S0001/BTC', 'S0002/BTC', 'S0003/BTC']),
    );
    expect(Object.keys(markets)).not.toContain('S0004/BTC');
    expect(result.code).toBe(0);
  }, 120_000);
});
