/**
 * The inside of one local Lambda container: a worker thread that loads a function bundle once
 * (the cold start) and then runs one invocation at a time, like a warm Lambda container. The
 * parent kills the whole thread at the function's timeout, which ends even a handler that blocks
 * the event loop synchronously.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { currentThreadId } from './cpu-share.js';
import { localEnvNames, type WorkerInvoke, type WorkerMessage } from './lambda-protocol.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const { bundleFile, functionName, memoryMb, handlerName } = workerData as {
  bundleFile: string;
  functionName: string;
  memoryMb: number;
  /** The bundle's export this function runs; default `handler`. */
  handlerName?: string;
};
const exportName = handlerName ?? 'handler';
// Lambda tells the code which export it runs the same way (the trade bundle serves two functions).
process.env._HANDLER = `index.${exportName}`;
const port = parentPort;
if (port === null) throw new Error('lambda-worker must run in a worker thread');
const post = (message: WorkerMessage) => port.postMessage(message);

function describe(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}

function contextFor(invoke: WorkerInvoke): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: invoke.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${randomUUID()}`,
    getRemainingTimeInMillis: () => Math.max(0, invoke.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

const tid = currentThreadId();
if (tid !== undefined) post({ type: 'thread', tid });

let handler: Handler;
try {
  const mod = (await import(pathToFileURL(bundleFile).href)) as Record<string, Handler | undefined>;
  const exported = mod[exportName];
  if (typeof exported !== 'function') throw new Error(`${bundleFile} exports no ${exportName}`);
  handler = exported;
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'init-error', error: describe(error) });
  throw error;
}

port.on('message', async (invoke: WorkerInvoke) => {
  // The simulated clock's offset for this invocation, read by the local entry's clock.
  process.env[localEnvNames.clockOffsetMs] = String(invoke.clockOffsetMs);
  try {
    const value = await handler(invoke.event, contextFor(invoke));
    post({ type: 'result', requestId: invoke.requestId, ok: true, value });
  } catch (error) {
    post({ type: 'result', requestId: invoke.requestId, ok: false, error: describe(error) });
  }
});
