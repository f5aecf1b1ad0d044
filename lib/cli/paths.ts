/**
 * Files named on a command line, checked where they enter: a missing input or an output into a
 * missing folder is a {@link UsageError} naming the flag and the path, before any long work.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import type { BotConfig } from '../config/schema.js';
import { UsageError } from './args.js';

function statOf(path: string) {
  return statSync(path, { throwIfNoEntry: false });
}

/** Refuses an input file that does not exist or cannot be read; returns the path. */
export function inputFile(flag: string, path: string): string {
  const stat = statOf(path);
  if (stat === undefined) throw new UsageError(`${flag} ${JSON.stringify(path)}: no such file`);
  if (!stat.isFile()) throw new UsageError(`${flag} ${JSON.stringify(path)}: not a file`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(path)}: not readable`);
  }
  return path;
}

/** Refuses an output file whose folder does not exist or cannot be written; returns the path. */
export function outputFile(flag: string, path: string): string {
  if (path === '') throw new UsageError(`${flag} needs a file name`);
  if (statOf(path)?.isDirectory()) {
    throw new UsageError(`${flag} ${JSON.stringify(path)}: is a folder, give a file name`);
  }
  const folder = dirname(resolve(path));
  const stat = statOf(folder);
  if (stat === undefined || !stat.isDirectory()) {
    throw new UsageError(
      `${flag} ${JSON.stringify(path)}: folder ${folder} does not exist (create it first)`,
    );
  }
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(path)}: folder ${folder} is not writable`);
  }
  return path;
}

/** The config a `--config FILE` flag names: a missing file names the flag, a bad one its fields. */
export function configFile(path: string): BotConfig {
  return loadConfigFile(inputFile('--config', path));
}
