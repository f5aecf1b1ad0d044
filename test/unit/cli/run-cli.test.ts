import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lib/cli/args.js';
import {
  type CliIo,
  CliStoppedError,
  describeFailure,
  readCli,
  runCli,
} from '../../../lib/cli/run-cli.js';

/** An io that records what a command wrote and how it exited. */
function recorder(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const exits: number[] = [];
  const io: CliIo = {
    argv,
    env,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    exit: (code) => exits.push(code),
  };
  return {
    io,
    exits,
    stdout: () => out.join(''),
    stderrLines: () =>
      err
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== ''),
  };
}

const spec = {
  name: 'demo',
  usage: 'npm run demo --',
  positionals: 'SYMBOL',
  summary: 'Does a demo.',
  options: {
    ticks: { type: 'string', default: '60', value: 'N', help: 'ticks to run' },
    'state-dir': { type: 'string', value: 'DIR', help: 'where state goes' },
    resume: { type: 'boolean', default: false, help: 'continue the last run' },
    secret: { type: 'boolean', hidden: true, help: 'refused by the command itself' },
  },
} as const;
const { positionals: _none, ...withoutPositionals } = spec;

const stackLine = /^\s+at /m;

describe('runCli', () => {
  it('answers --help with the usage line and one line per option, without running the command', async () => {
    const r = recorder(['--help']);
    let ran = false;

    await runCli(
      spec,
      () => {
        ran = true;
      },
      r.io,
    );

    expect(ran).toBe(false);
    expect(r.exits).toEqual([]);
    const [usage, ...rest] = r.stdout().split('\n');
    expect(usage).toBe(
      'usage: npm run demo -- SYMBOL [--ticks N] [--state-dir DIR] [--resume] [--verbose]',
    );
    expect(rest).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}--ticks N +ticks to run \(default 60\)$/),
        expect.stringMatching(/^ {2}--state-dir DIR +where state goes$/),
        expect.stringMatching(/^ {2}--help +print this help and exit$/),
      ]),
    );
    expect(r.stdout()).not.toContain('--secret');
  });

  it('hands the command its parsed options and positionals', async () => {
    const r = recorder(['LTC/BTC', '--ticks', '5', '--resume']);
    let seen: unknown;

    await runCli(
      spec,
      (args) => {
        seen = { values: args.values, positionals: args.positionals };
      },
      r.io,
    );

    expect(seen).toMatchObject({
      values: { ticks: '5', resume: true },
      positionals: ['LTC/BTC'],
    });
    expect(r.exits).toEqual([]);
  });

  it('exits 2 with one line for a usage error, without a stack', async () => {
    const r = recorder(['LTC/BTC']);

    await runCli(
      spec,
      () => {
        throw new UsageError('--ticks must be a positive integer (got "0")');
      },
      r.io,
    );

    expect(r.exits).toEqual([2]);
    expect(r.stderrLines()).toEqual(['tickfan demo: --ticks must be a positive integer (got "0")']);
  });

  it('exits 2 for an error of a lower room named UsageError or InvalidInvocationError', async () => {
    for (const name of ['UsageError', 'InvalidInvocationError', 'BacktestError']) {
      const error = new Error(`bad input (${name})`);
      error.name = name;
      expect(describeFailure(error)).toEqual({ code: 2, message: `bad input (${name})` });
    }
  });

  it('exits 1 with one line for any other error, without a stack', async () => {
    const r = recorder([]);

    await runCli(
      spec,
      async () => {
        throw new Error('cannot read tickfan config from x.json: not JSON');
      },
      r.io,
    );

    expect(r.exits).toEqual([1]);
    expect(r.stderrLines()).toEqual([
      'tickfan demo: cannot read tickfan config from x.json: not JSON',
    ]);
  });

  it.each([
    ['--verbose', ['--verbose'], {}],
    ['TICKFAN_DEBUG=1', [], { TICKFAN_DEBUG: '1' }],
  ])('prints the stack after the line with %s', async (_, argv, env) => {
    const r = recorder(argv, env);

    await runCli(
      spec,
      () => {
        throw new Error('boom');
      },
      r.io,
    );

    expect(r.exits).toEqual([1]);
    const [line, ...stack] = r.stderrLines();
    expect(line).toBe('tickfan demo: boom');
    expect(stack.join('\n')).toMatch(stackLine);
  });

  it.each([
    [['--bogus'], 'unknown option --bogus; see --help'],
    [['--ticks'], '--ticks needs a value; see --help'],
    [['--resume=yes'], '--resume takes no value; see --help'],
  ])('refuses %j with one clear line and exit 2', async (argv, message) => {
    const r = recorder(argv);
    let ran = false;

    await runCli(
      spec,
      () => {
        ran = true;
      },
      r.io,
    );

    expect(ran).toBe(false);
    expect(r.exits).toEqual([2]);
    expect(r.stderrLines()).toEqual([`tickfan demo: ${message}`]);
  });

  it('refuses a positional argument when the command takes none', async () => {
    const r = recorder(['extra']);

    await runCli(withoutPositionals, () => {}, r.io);

    expect(r.exits).toEqual([2]);
    expect(r.stderrLines()).toEqual(['tickfan demo: unexpected argument "extra"; see --help']);
  });

  it('says how to set a missing AWS region or missing credentials', () => {
    const credentials = new Error('Could not load credentials from any providers');
    credentials.name = 'CredentialsProviderError';

    expect(describeFailure(new Error('Region is missing'))).toEqual({
      code: 1,
      message: expect.stringMatching(/^no AWS region: set AWS_REGION=.* or give --region$/),
    });
    expect(describeFailure(credentials)).toEqual({
      code: 1,
      message: expect.stringMatching(/^no AWS credentials: set AWS_PROFILE=/),
    });
  });
});

describe('readCli', () => {
  it('returns what the reader makes of a good command line', async () => {
    const r = recorder(['LTC/BTC', '--ticks', '7']);

    const ticks = await readCli(spec, ({ values }) => Number(values.ticks), r.io);

    expect(ticks).toBe(7);
    expect(r.exits).toEqual([]);
  });

  it('ends with exit 0 after --help, before any work', async () => {
    const r = recorder(['--help']);

    await expect(readCli(spec, () => 'work', r.io)).rejects.toBeInstanceOf(CliStoppedError);

    expect(r.exits).toEqual([0]);
    expect(r.stdout()).toMatch(/^usage: /);
  });

  it('ends with exit 2 when the reader refuses a flag', async () => {
    const r = recorder(['--ticks', '0']);

    await expect(
      readCli(
        spec,
        () => {
          throw new UsageError('--ticks must be a positive integer (got "0")');
        },
        r.io,
      ),
    ).rejects.toBeInstanceOf(CliStoppedError);

    expect(r.exits).toEqual([2]);
  });
});
