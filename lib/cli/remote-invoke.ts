import { InvokeCommand, type InvokeCommandInput, LambdaClient } from '@aws-sdk/client-lambda';
import type { DirectInvocation } from '../domain/direct-invocation.js';
import { UsageError } from './args.js';
import { defaultStage, stackNameFor, stackOutputs } from './remote/stack-outputs.js';

/** The Lambda Invoke request that runs one symbol tick on the deployed trade function. */
export function remoteInvokeInput(
  functionName: string,
  event: DirectInvocation,
): InvokeCommandInput {
  return {
    FunctionName: functionName,
    InvocationType: 'RequestResponse',
    LogType: 'Tail',
    Payload: new TextEncoder().encode(JSON.stringify(event)),
  };
}

/** Invokes the deployed trade function and returns its parsed response; throws on a function error. */
export async function invokeRemote(
  functionName: string,
  event: DirectInvocation,
  client: LambdaClient = new LambdaClient({}),
): Promise<unknown> {
  const response = await client.send(new InvokeCommand(remoteInvokeInput(functionName, event)));
  const text = new TextDecoder().decode(response.Payload ?? new Uint8Array());
  const payload: unknown = text === '' ? null : JSON.parse(text);
  if (response.FunctionError) {
    throw new Error(`${functionName} failed (${response.FunctionError}): ${text}`);
  }
  return payload;
}

/** The deployed trade function: named with --function-name, else the stage stack's output. */
export async function remoteFunction(
  options: { functionName?: string; stage?: string },
  outputs: (stackName: string) => Promise<{ TradeFunctionName: string }> = stackOutputs,
): Promise<string> {
  if (options.functionName !== undefined) {
    if (options.stage !== undefined)
      throw new UsageError('give --function-name or --stage, not both');
    return options.functionName;
  }
  return (await outputs(stackNameFor(options.stage ?? defaultStage))).TradeFunctionName;
}
