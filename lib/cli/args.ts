/** Reads a positive integer flag; the error names the flag and the value. */
export function positiveInt(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive integer (got ${JSON.stringify(value)})`);
  return n;
}

/** A command line that cannot be run as given; the front door (`runCli`) exits 2 for it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--config FILE`, declared alike by every command that reads the bot config. */
export const configOption = {
  type: 'string',
  default: 'cdk.json',
  value: 'FILE',
  help: 'the file whose context.tickfan is the config',
} as const;
