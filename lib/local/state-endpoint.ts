/**
 * The address of a state directory's DynamoDB while a process holds it.
 *
 * dynalite keeps its data in LevelDB, which one process at a time may open. A process that opens
 * a state directory's dynalite (a run of `npm start`, or an `npm run invoke`) writes
 * `<state-dir>/dynamodb.endpoint.json` once it listens and removes it when it closes, so that
 * `npm run halt`, `resume` and `invoke` reach that process's DynamoDB (and exchange) over
 * loopback instead of failing on the lock.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

/** What `<state-dir>/dynamodb.endpoint.json` holds. */
export interface StateEndpoint {
  /** Base URL of the process's dynalite, for an AWS SDK client's `endpoint`. */
  readonly endpoint: string;
  /** The process that serves it; the file is ignored once that process is gone. */
  readonly pid: number;
  /** When it began serving (ISO). */
  readonly startedAt: string;
  /** Base URL of that process's exchange simulator, when it runs one. */
  readonly exchangeUrl?: string;
  /** The exchange whose API that simulator speaks (`exchange.id`). */
  readonly exchange?: string;
  /** Where that process takes trade events to notify (its stand-in for the SNS topic). */
  readonly notifyUrl?: string;
}

/** The file a state directory's endpoint is recorded in. */
export const stateEndpointFile = (stateDir: string): string =>
  join(stateDir, 'dynamodb.endpoint.json');

/** Records that this process serves `stateDir`'s DynamoDB at `endpoint`. */
export async function writeStateEndpoint(
  stateDir: string,
  served: Omit<StateEndpoint, 'pid' | 'startedAt'>,
  now: Date = new Date(),
): Promise<StateEndpoint> {
  const record: StateEndpoint = { ...served, pid: process.pid, startedAt: now.toISOString() };
  const file = stateEndpointFile(stateDir);
  // A reader must never see half a file: write aside, then rename over.
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(record, null, 2)}\n`);
  await rename(partial, file);
  return record;
}

/** Removes the record, if this process (or `pid`) wrote it; another process's is left alone. */
export async function removeStateEndpoint(stateDir: string, pid = process.pid): Promise<void> {
  const current = await readRecord(stateDir);
  if (current?.pid === pid) await rm(stateEndpointFile(stateDir), { force: true });
}

/**
 * The endpoint of the process serving `stateDir`'s DynamoDB, or undefined when none does: no
 * file, a file that cannot be read, a process that is gone (killed, crashed) or a port that
 * no longer answers (its pid reused by another program).
 */
export async function readStateEndpoint(stateDir: string): Promise<StateEndpoint | undefined> {
  const record = await readRecord(stateDir);
  if (record === undefined || !isAlive(record.pid)) return undefined;
  return (await answers(record.endpoint)) ? record : undefined;
}

async function readRecord(stateDir: string): Promise<StateEndpoint | undefined> {
  let text: string;
  try {
    text = await readFile(stateEndpointFile(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<StateEndpoint>;
    if (typeof value.endpoint !== 'string' || !Number.isInteger(value.pid)) return undefined;
    return value as StateEndpoint;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether something accepts a TCP connection at `endpoint`'s host and port. */
function answers(endpoint: string): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
