/**
 * `npm run invoke -- SYMBOL [--at ISO]`: runs one trade tick for SYMBOL through the trade
 * function's bundle on the embedded parts, on the state the last `npm start` left, and prints the
 * tick result. With `--remote [--stage S | --function-name F]` it invokes the deployed function
 * instead, found from the stage's stack outputs or named.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { parseDirectInvocation } from '../domain/direct-invocation.js';
import { LocalEnvironment } from '../local/local-environment.js';
import { readRunState } from '../local/run.js';
import { failWith, UsageError } from './args.js';
import { invokeRemote, remoteFunction } from './remote-invoke.js';

const usage =
  'usage: npm run invoke -- SYMBOL [--at ISO-TIME] [--remote (--stage S | --function-name NAME)] [--config FILE]';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      at: { type: 'string' },
      remote: { type: 'boolean', default: false },
      'function-name': { type: 'string' },
      stage: { type: 'string' },
      config: { type: 'string', default: 'cdk.json' },
      'state-dir': { type: 'string', default: '.tickfan' },
    },
  });
  const [symbol, ...extra] = positionals;
  if (symbol === undefined || extra.length > 0)
    throw new UsageError('give exactly one SYMBOL, e.g. LTC/BTC');
  const event = { symbol, ...(values.at === undefined ? {} : { at: values.at }) };
  const config = loadConfigFile(values.config);
  // Refuse a bad symbol or time here, before anything starts or any request leaves.
  parseDirectInvocation(event, config, Date.now());

  if (values.remote) {
    const functionName = await remoteFunction({
      ...(values['function-name'] === undefined ? {} : { functionName: values['function-name'] }),
      ...(values.stage === undefined ? {} : { stage: values.stage }),
    });
    console.log(JSON.stringify(await invokeRemote(functionName, event), null, 2));
    return;
  }
  if (values.stage !== undefined || values['function-name'] !== undefined) {
    throw new UsageError('--stage and --function-name go with --remote');
  }

  const stateDir = resolve(values['state-dir']);
  const last = await readRunState(stateDir);
  const env = await LocalEnvironment.start({ config, stateDir, persist: true, fresh: false });
  try {
    const at = values.at === undefined ? last?.nextTickAt : Date.parse(values.at);
    if (at === undefined) {
      throw new UsageError(
        'no earlier run to continue from: run `npm start` first, or give --at ISO-TIME',
      );
    }
    env.clock.set(at + 250);
    const outcome = await env.trade.invoke(event, env.clock.offsetMs);
    if (!outcome.ok)
      throw new Error(`trade function failed: ${outcome.error.name}: ${outcome.error.message}`);
    console.log(JSON.stringify(outcome.value, null, 2));
  } finally {
    await env.close();
  }
}

main().catch(failWith(usage));
