/** Reads a positive integer flag; the error names the flag and the value. */
export function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer (got ${JSON.stringify(value)})`);
  return n;
}

/** A command line that cannot be run as given. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Prints an expected failure as one line (a stack trace for anything else) and exits 1. */
export function failWith(usage: string) {
  return (error: unknown) => {
    const code = (error as { code?: unknown }).code;
    const badArgs =
      error instanceof UsageError ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
    if (badArgs || (error instanceof Error && error.name === 'ConfigError')) {
      console.error(`tickfan: ${(error as Error).message}`);
      if (badArgs) console.error(usage);
    } else {
      console.error(error);
    }
    process.exit(1);
  };
}
