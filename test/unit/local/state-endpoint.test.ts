import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  readStateEndpoint,
  removeStateEndpoint,
  stateEndpointFile,
  writeStateEndpoint,
} from '../../../lib/local/state-endpoint.js';

let dir: string;
let server: Server;
let endpoint: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickfan-endpoint-'));
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  if (server.listening) await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('the child got no pid');
  return child.pid;
}

describe('the state endpoint file', () => {
  it('names the process serving the state, its DynamoDB and its exchange', async () => {
    const now = new Date('2026-01-02T03:04:05Z');
    await writeStateEndpoint(dir, { endpoint, exchangeUrl: 'http://127.0.0.1:1' }, now);

    expect(await readStateEndpoint(dir)).toEqual({
      endpoint,
      exchangeUrl: 'http://127.0.0.1:1',
      pid: process.pid,
      startedAt: '2026-01-02T03:04:05.000Z',
    });
  });

  it('is ignored when the process that wrote it is gone', async () => {
    const pid = await deadPid();
    const record = { endpoint, pid, startedAt: new Date().toISOString() };
    await writeFile(stateEndpointFile(dir), JSON.stringify(record));

    expect(await readStateEndpoint(dir)).toBeUndefined();
  });

  it('is ignored when nothing answers at its address any more', async () => {
    await writeStateEndpoint(dir, { endpoint });
    await new Promise((resolve) => server.close(resolve));

    expect(await readStateEndpoint(dir)).toBeUndefined();
  });

  it.each([
    ['missing', undefined],
    ['not JSON', '{"endpoint": "http://127'],
    ['without a pid', JSON.stringify({ endpoint: 'http://127.0.0.1:1' })],
  ])('is ignored when %s', async (_, text) => {
    if (text !== undefined) await writeFile(stateEndpointFile(dir), text);

    expect(await readStateEndpoint(dir)).toBeUndefined();
  });

  it('is removed by the process that wrote it, and left alone by any other', async () => {
    await writeStateEndpoint(dir, { endpoint });

    await removeStateEndpoint(dir, process.pid + 1);
    expect(JSON.parse(await readFile(stateEndpointFile(dir), 'utf8'))).toMatchObject({ endpoint });

    await removeStateEndpoint(dir);
    expect(await readStateEndpoint(dir)).toBeUndefined();
    await expect(readFile(stateEndpointFile(dir), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
