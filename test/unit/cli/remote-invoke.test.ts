import { Readable } from 'node:stream';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { invokeRemote, remoteFunction, remoteInvokeInput } from '../../../lib/cli/remote-invoke.js';

/** A Lambda client whose HTTP handler records the request it gets and answers it itself. */
function recordingClient(answer: {
  status: number;
  body: string;
  headers?: Record<string, string>;
}) {
  const requests: { method: string; path: string; body: string }[] = [];
  const client = new LambdaClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      handle: async (request: { method: string; path: string; body?: Uint8Array | string }) => {
        const body =
          typeof request.body === 'string'
            ? request.body
            : new TextDecoder().decode(request.body ?? new Uint8Array());
        requests.push({ method: request.method, path: request.path, body });
        return {
          response: {
            statusCode: answer.status,
            headers: answer.headers ?? {},
            body: Readable.from([Buffer.from(answer.body)]),
          },
        };
      },
    },
  });
  return { client, requests };
}

describe('npm run invoke --remote', () => {
  it('asks for a synchronous invoke with the direct-invocation event as payload', () => {
    const input = remoteInvokeInput('tickfan-prod-Trade', {
      symbol: 'LTC/BTC',
      at: '2026-01-01T00:00:00Z',
    });
    expect(input).toMatchObject({
      FunctionName: 'tickfan-prod-Trade',
      InvocationType: 'RequestResponse',
    });
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({
      symbol: 'LTC/BTC',
      at: '2026-01-01T00:00:00Z',
    });
  });

  it('passes --rerun on to the deployed function as rerun: true', () => {
    const input = remoteInvokeInput('tickfan-prod-Trade', { symbol: 'LTC/BTC', rerun: true });

    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({
      symbol: 'LTC/BTC',
      rerun: true,
    });
  });

  it('sends POST /functions/NAME/invocations and returns the tick result', async () => {
    const { client, requests } = recordingClient({
      status: 200,
      body: '{"tickId":"LTC/BTC#x","status":"ok"}',
    });

    const result = await invokeRemote('tickfan-prod-Trade', { symbol: 'LTC/BTC' }, client);

    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/2015-03-31/functions/tickfan-prod-Trade/invocations',
        body: '{"symbol":"LTC/BTC"}',
      },
    ]);
    expect(result).toEqual({ tickId: 'LTC/BTC#x', status: 'ok' });
  });

  it('turns a function error into an error naming the function', async () => {
    const { client } = recordingClient({
      status: 200,
      body: '{"errorType":"InvalidInvocationError","errorMessage":"bad symbol"}',
      headers: { 'x-amz-function-error': 'Unhandled' },
    });
    await expect(invokeRemote('f', { symbol: 'X/Y' }, client)).rejects.toThrow(
      /f failed \(Unhandled\).*bad symbol/,
    );
  });

  it('finds the trade function from the stage stack outputs, or takes it by name', async () => {
    const outputs = async (stack: string) => ({ TradeFunctionName: `${stack}-TradeFn` });
    expect(await remoteFunction({ stage: 'prod' }, outputs)).toBe('tickfan-prod-TradeFn');
    expect(await remoteFunction({}, outputs)).toBe('tickfan-dev-TradeFn');
    expect(await remoteFunction({ functionName: 'mine' }, outputs)).toBe('mine');
    await expect(remoteFunction({ functionName: 'a', stage: 'b' }, outputs)).rejects.toThrow(
      /not both/,
    );
  });
});
