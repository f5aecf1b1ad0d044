import { afterEach, describe, expect, it } from 'vitest';
import { createBinanceClient } from '../../../lib/adapters/exchanges/binance-client.js';
import { createDeployedTradeBundle } from '../../../lib/handlers/deployed-trade-handler.js';
import { exportNameOf, lazyHandler } from '../../../lib/handlers/lazy-handler.js';
import { testConfig, writeConfigFile } from '../../helpers/config.js';
import { lambdaContext } from '../../helpers/events.js';

const saved = { ...process.env };

/** The environment the stack gives the markets function: the config and the state table only. */
function marketsFunctionEnv(handlerSetting: string | undefined): void {
  process.env.TICKFAN_CONFIG_FILE = writeConfigFile(testConfig());
  process.env.TICKFAN_TABLE_NAME = 'state';
  delete process.env.TICKFAN_IDEMPOTENCY_TABLE_NAME;
  if (handlerSetting === undefined) delete process.env._HANDLER;
  else process.env._HANDLER = handlerSetting;
}

afterEach(() => {
  process.env = { ...saved };
});

describe('createDeployedTradeBundle', () => {
  it('builds the markets function at its cold start without what only the trade function has', async () => {
    // Prepare
    marketsFunctionEnv('index.refresh');

    // Act
    const bundle = await createDeployedTradeBundle('binance', createBinanceClient);

    // Assess: the trade handler is left unbuilt, and fails on its own when called
    expect(typeof bundle.refresh).toBe('function');
    await expect(bundle.handler({ symbol: 'LTC/BTC' }, lambdaContext())).rejects.toThrow(
      /TICKFAN_IDEMPOTENCY_TABLE_NAME/,
    );
  });

  it('builds the trade function at its cold start, so a bad environment fails its init', async () => {
    // Prepare
    marketsFunctionEnv(undefined);

    // Act
    const bundle = createDeployedTradeBundle('binance', createBinanceClient);

    // Assess
    await expect(bundle).rejects.toThrow(/TICKFAN_IDEMPOTENCY_TABLE_NAME/);
  });
});

describe('lazyHandler', () => {
  it('builds the handler once, on its first invocation', async () => {
    // Prepare
    let builds = 0;
    const handler = lazyHandler(async () => {
      builds += 1;
      return async (event: number) => event * 2;
    });

    // Act
    const before = builds;
    const results = [await handler(1, lambdaContext()), await handler(2, lambdaContext())];

    // Assess
    expect(before).toBe(0);
    expect(results).toEqual([2, 4]);
    expect(builds).toBe(1);
  });

  it.each([
    ['index.refresh', 'refresh'],
    ['index.handler', 'handler'],
    [undefined, 'handler'],
  ])('reads the export of handler setting %s as %s', (setting, name) => {
    expect(exportNameOf(setting)).toBe(name);
  });
});
