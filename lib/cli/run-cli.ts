/**
 * The front door of every npm-script entry: a command declares its options once, and gets from
 * that declaration its parser, its `--help` and one way of failing.
 *
 * ```ts
 * await runCli(
 *   { name: 'cost', usage: 'npm run cost --', summary: '...', options: { json: { type: 'boolean', help: '...' } } },
 *   ({ values }) => { ... },
 * );
 * ```
 *
 * Exit codes: 0 done (or `--help`), 1 the command failed, 2 the command line cannot be run as
 * given. A failure is one line on stderr, `tickfan <command>: <message>`; the stack follows only
 * with `--verbose` or `TICKFAN_DEBUG=1`.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './args.js';

type ParseArgsOptionConfig = NonNullable<ParseArgsConfig['options']>[string];

/** One option as a command declares it: the parser's config plus what `--help` says about it. */
export type CliOption = ParseArgsOptionConfig & {
  /** One line for `--help`; a string default is appended to it. */
  readonly help: string;
  /** The placeholder of a string option's value in the usage line, e.g. `N` or `FILE`. */
  readonly value?: string;
  /** Accepted but left out of the usage line and `--help` (a command refuses it itself). */
  readonly hidden?: boolean;
};

/** A command's options by long name. */
export type CliOptions = Readonly<Record<string, CliOption>>;

/** What a command declares once: its name, how it is called and what it accepts. */
export interface CommandSpec<O extends CliOptions> {
  /** The name in error lines, `tickfan <name>: ...`. */
  readonly name: string;
  /** How a person calls it, e.g. `npm run invoke --`. */
  readonly usage: string;
  /** Positional arguments in the usage line, e.g. `SYMBOL`; without it none are accepted. */
  readonly positionals?: string;
  /** One or two sentences: what the command does. */
  readonly summary: string;
  readonly options: O;
}

const commonOptions = {
  verbose: {
    type: 'boolean',
    default: false,
    help: 'print the stack of a failure (or set TICKFAN_DEBUG=1)',
  },
  help: { type: 'boolean', default: false, help: 'print this help and exit' },
} as const satisfies CliOptions;

type ParserConfig<O extends CliOptions> = {
  options: O & typeof commonOptions;
  allowPositionals: true;
  strict: true;
};

/** The parsed command line a command's main gets. */
export type CliArgs<O extends CliOptions> = ReturnType<typeof parseArgs<ParserConfig<O>>>;

/** Where the front door writes and how it ends the process; tests inject their own. */
export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  stderr(text: string): void;
  exit(code: number): void;
}

/** The process's own arguments, environment and streams. */
export function processIo(argv: readonly string[] = process.argv.slice(2)): CliIo {
  return {
    argv,
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    exit: (code) => process.exit(code),
  };
}

/**
 * Errors of lower rooms that mean the person typed a bad flag value: the front door exits 2 for
 * these, as for a `UsageError` (`FaultSpecError` is named `UsageError`).
 */
const usageErrorNames: ReadonlySet<string> = new Set([
  'UsageError',
  'InvalidInvocationError',
  'BacktestError',
]);

/** How a failure is reported: the exit code and the one line after `tickfan <command>: `. */
export interface CliFailure {
  readonly code: 1 | 2;
  readonly message: string;
}

const awsRegionHint =
  'no AWS region: set AWS_REGION=... (e.g. AWS_REGION=eu-west-1) or give --region';
const awsCredentialsHint =
  'no AWS credentials: set AWS_PROFILE=... (after aws configure or aws sso login) ' +
  'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';

/** node:util parseArgs' errors, rewritten as one line that names the flag. */
function parseArgsFailure(code: string, message: string): string | undefined {
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? message}; see --help`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted ?? message)}; see --help`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted?.split(' ')[0] ?? message;
      return /does not take an argument/.test(message)
        ? `${flag} takes no value; see --help`
        : `${flag} needs a value; see --help`;
    }
    default:
      return undefined;
  }
}

/** Maps anything a command throws to its exit code and one line. */
export function describeFailure(error: unknown): CliFailure {
  if (!(error instanceof Error)) return { code: 1, message: String(error) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    return { code: 2, message: parseArgsFailure(code, error.message) ?? error.message };
  }
  if (usageErrorNames.has(error.name)) return { code: 2, message: error.message };
  // The SDK's own words are "Region is missing" and a credential chain's internals.
  if (/^Region is missing/.test(error.message)) return { code: 1, message: awsRegionHint };
  if (error.name === 'CredentialsProviderError') return { code: 1, message: awsCredentialsHint };
  return { code: 1, message: error.message || error.name };
}

function optionUsage(name: string, option: CliOption): string {
  const flag = option.type === 'string' ? `--${name} ${option.value ?? 'VALUE'}` : `--${name}`;
  return option.multiple ? `[${flag}]...` : `[${flag}]`;
}

/** The `--help` text: the usage line (every option) and one line per option. */
export function formatHelp<O extends CliOptions>(spec: CommandSpec<O>): string {
  const options = Object.entries({ ...spec.options, ...commonOptions } as CliOptions).filter(
    ([, option]) => !option.hidden,
  );
  const usage = [
    spec.usage,
    ...(spec.positionals === undefined ? [] : [spec.positionals]),
    ...options.filter(([name]) => name !== 'help').map(([n, o]) => optionUsage(n, o)),
  ].join(' ');
  const flags = options.map(([name, o]) =>
    o.type === 'string' ? `--${name} ${o.value ?? 'VALUE'}` : `--${name}`,
  );
  const width = Math.max(...flags.map((f) => f.length));
  const lines = options.map(([, o], i) => {
    const shown = o.type === 'string' && typeof o.default === 'string' ? o.default : undefined;
    const fallback = shown === undefined ? '' : ` (default ${shown})`;
    return `  ${(flags[i] ?? '').padEnd(width)}  ${o.help}${fallback}`;
  });
  return [`usage: ${usage}`, '', spec.summary, '', 'options:', ...lines, ''].join('\n');
}

/** The parser's view of the options: what `--help` needs is left out. */
function parserOptions(options: CliOptions): Record<string, ParseArgsOptionConfig> {
  return Object.fromEntries(
    Object.entries(options).map(([name, { help: _help, value: _value, hidden: _hidden, ...o }]) => [
      name,
      o,
    ]),
  );
}

/**
 * Parses the command line against `spec`, answers `--help`, runs `main` and maps its failure to
 * one line and an exit code (see the module doc). Resolves once the command is done; on success
 * the process ends by itself, so a command may set `process.exitCode`.
 */
export async function runCli<O extends CliOptions>(
  spec: CommandSpec<O>,
  main: (args: CliArgs<O>) => Promise<void> | void,
  io: CliIo = processIo(),
): Promise<void> {
  const verbose = io.env.TICKFAN_DEBUG === '1' || io.argv.includes('--verbose');
  try {
    const args = parseArgs({
      args: [...io.argv],
      options: parserOptions({ ...spec.options, ...commonOptions }),
      allowPositionals: true,
      strict: true,
    }) as unknown as CliArgs<O>;
    if ((args.values as { help?: boolean }).help) {
      io.stdout(formatHelp(spec));
      return;
    }
    if (spec.positionals === undefined && args.positionals.length > 0) {
      throw new UsageError(
        `unexpected argument ${JSON.stringify(args.positionals[0])}; see --help`,
      );
    }
    await main(args);
  } catch (error) {
    const failure = describeFailure(error);
    io.stderr(`tickfan ${spec.name}: ${failure.message}\n`);
    if (verbose && error instanceof Error && error.stack !== undefined) {
      io.stderr(`${error.stack}\n`);
    }
    io.exit(failure.code);
  }
}

/**
 * For a script whose work runs at its top level (the bench): parses and checks its command line
 * as {@link runCli} does and returns what `read` makes of it. `--help` and a bad command line end
 * the process here, before any work starts.
 */
export async function readCli<O extends CliOptions, T>(
  spec: CommandSpec<O>,
  read: (args: CliArgs<O>) => T,
  io: CliIo = processIo(),
): Promise<T> {
  let result: { value: T } | undefined;
  let failed = false;
  await runCli(
    spec,
    (args) => {
      result = { value: read(args) };
    },
    {
      ...io,
      exit: (code) => {
        failed = true;
        io.exit(code);
      },
    },
  );
  if (result === undefined) {
    // --help was answered (or, with an injected io, the failure was reported): nothing to run.
    if (!failed) io.exit(0);
    throw new CliStoppedError();
  }
  return result.value;
}

/** Thrown by {@link readCli} after `--help` or a bad command line when `exit` returned (tests). */
export class CliStoppedError extends Error {
  constructor() {
    super('the command line asked for no work');
    this.name = 'CliStoppedError';
  }
}
