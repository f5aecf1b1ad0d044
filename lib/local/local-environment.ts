import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { functionMemoryMb, marketsFunctionSeconds } from '../../infra/stack-facts.js';
import { DynamoStateStore } from '../adapters/dynamo-state-store.js';
import { configFileEnvName } from '../config/env.js';
import { type BotConfig, fixedSymbols, selectorsOf } from '../config/schema.js';
import { type TradingControl, TradingMode } from '../domain/control.js';
import { metricNamespace } from '../metrics/catalogue.js';
import { type ExchangeSimulator, startSimulator } from '../simulator/exchange-simulator.js';
import { wireOf } from '../simulator/wires.js';
import type { RefreshMarketsResult } from '../use-cases/refresh-markets.js';
import { buildFunctions, type LocalBuild } from './build.js';
import { CpuShare } from './cpu-share.js';
import { createIdempotencyTable, createStateTable } from './create-tables.js';
import type { FaultSpec } from './faults/fault-spec.js';
import { localEnvNames } from './lambda-protocol.js';
import { LocalFunction } from './local-function.js';
import {
  createSymbolQueues,
  type LocalService,
  localAwsClientConfig,
  startDynalite,
  startSqs,
} from './services.js';
import { SimClock } from './sim-clock.js';
import { type InvocationRecord, SqsEventSource } from './sqs-event-source.js';
import { SqsVisibilityRelay } from './sqs-visibility-relay.js';
import {
  readStateEndpoint,
  removeStateEndpoint,
  type StateEndpoint,
  writeStateEndpoint,
} from './state-endpoint.js';

export interface LocalEnvironmentOptions {
  readonly config: BotConfig;
  /** Directory for the build, dynalite's data and the last run's state; default `.tickfan`. */
  readonly stateDir: string;
  /** Keep DynamoDB data on disk under `stateDir` (default) instead of in memory. */
  readonly persist?: boolean;
  /** Start from an empty trading state (deletes what the last run left on disk). */
  readonly fresh?: boolean;
  /** Where the functions' log lines go; default: discarded. */
  readonly logs?: Writable;
  readonly onInvocation?: (record: InvocationRecord) => void;
  /** Reuse an existing build instead of bundling again. */
  readonly build?: LocalBuild;
  /** Folder of candle files the simulator serves; default the shipped ones. */
  readonly dataDir?: string;
  /**
   * Synthetic markets the simulator serves besides the candle files when the config has a
   * volume selector (`--synthetic` then gives it markets to pick from); default 0.
   */
  readonly syntheticMarkets?: number;
  /** Faults to inject: into the simulator, or as a blocked candle fetch in the trade function. */
  readonly faults?: readonly FaultSpec[];
  /** Where the trade function POSTs its trade events (see `startLocalNotifications`). */
  readonly notifyUrl?: string;
  /**
   * The simulated clock's offset for an invocation of the tick scheduled at `scheduledAt`;
   * default: the shared simulated clock's.
   */
  readonly clockOffsetFor?: (scheduledAt: string | undefined) => number;
  /**
   * Use the DynamoDB (and exchange, when it names one) of the process serving `stateDir` instead
   * of opening the state directory: its dynalite holds the LevelDB lock while it runs.
   */
  readonly attach?: StateEndpoint;
  /**
   * The config the trade function runs with, decided once the state and the exchange are up (a
   * resume disables the symbols it cannot reconcile: their ticks are still dispatched, and only
   * settle what an earlier tick left pending); default `config`.
   */
  readonly configFor?: (parts: {
    readonly store: DynamoStateStore;
    readonly simulator: ExchangeSimulator;
    readonly clock: SimClock;
  }) => Promise<BotConfig>;
}

/** Another process serves the state directory a command wanted to open itself. */
export class StateInUseError extends Error {
  constructor(
    readonly stateDir: string,
    readonly holder: StateEndpoint,
  ) {
    super(
      `the state in ${stateDir} is in use by process ${holder.pid} (a run started ${holder.startedAt}); wait for it to end, or give another --state-dir`,
    );
    this.name = 'StateInUseError';
  }
}

/** The kill switch stored under `dataDir`, if any state is there. */
async function readControl(dataDir: string): Promise<TradingControl | undefined> {
  if (!existsSync(dataDir)) return undefined;
  const dynalite = await startDynalite({ path: dataDir });
  const client = new DynamoDBClient(localAwsClientConfig(dynalite.endpoint));
  try {
    const store = new DynamoStateStore({
      tableName: localNames.table,
      client: DynamoDBDocumentClient.from(client),
    });
    return await store.getControl();
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  } finally {
    client.destroy();
    await dynalite.close();
  }
}

/** Where a state directory keeps its exchange simulator's orders, fills and balances. */
export const exchangeStateFile = (stateDir: string): string => join(stateDir, 'exchange.json');

/** Names of the local resources, fixed so later commands find what a run left behind. */
export const localNames = {
  table: 'tickfan-local-state',
  idempotencyTable: 'tickfan-local-idempotency',
  queue: 'tickfan-local-ticks',
} as const;

/**
 * Every part of tickfan on this machine: dynalite, local-aws-sqs with the FIFO queue and its
 * DLQ, the exchange simulator on a simulated clock, and both functions running their Lambda
 * bundles in worker threads. Nothing outside 127.0.0.1 is touched.
 */
export class LocalEnvironment {
  private constructor(
    readonly config: BotConfig,
    readonly clock: SimClock,
    readonly simulator: ExchangeSimulator,
    readonly sqs: SQSClient,
    readonly dynamo: DynamoDBDocumentClient,
    readonly store: DynamoStateStore,
    readonly queueUrl: string,
    readonly dlqUrl: string,
    readonly trade: LocalFunction,
    readonly fanOut: LocalFunction,
    /** The markets function: the trade bundle's `refresh` export. */
    readonly markets: LocalFunction,
    readonly eventSource: SqsEventSource,
    private readonly services: readonly LocalService[],
  ) {}

  static async start(options: LocalEnvironmentOptions): Promise<LocalEnvironment> {
    const { config } = options;
    // Worker threads need an absolute bundle path.
    const stateDir = resolve(options.stateDir);
    const dataDir = join(stateDir, 'dynamodb');
    const { attach } = options;
    const persist = attach === undefined && options.persist !== false;
    if (persist) {
      // Checked before anything is deleted: a fresh start would wipe the running one's data.
      const holder = await readStateEndpoint(stateDir);
      if (holder !== undefined) throw new StateInUseError(stateDir, holder);
    }
    // A fresh trading state keeps the kill switch: only `npm run resume` lifts a halt.
    const carried = options.fresh && persist ? await readControl(dataDir) : undefined;
    if (options.fresh && attach === undefined) await rm(dataDir, { recursive: true, force: true });
    // The exchange's side of the trading state: kept with it, and wiped with it.
    const exchangeState = persist ? exchangeStateFile(stateDir) : undefined;
    if (options.fresh && exchangeState !== undefined) await rm(exchangeState, { force: true });
    const exchangeId = config.exchange.id;
    if (attach?.exchange !== undefined && attach.exchange !== exchangeId) {
      throw new Error(
        `the run holding ${stateDir} trades on ${attach.exchange}, not ${exchangeId}: give --exchange ${attach.exchange}`,
      );
    }
    const build = options.build ?? (await buildFunctions(join(stateDir, 'build'), exchangeId));
    if (build.exchange !== exchangeId) {
      throw new Error(
        `the local build holds the ${build.exchange} trade function, but exchange.id is ${exchangeId}`,
      );
    }
    const services: LocalService[] = [];
    try {
      const dynalite: LocalService =
        attach === undefined
          ? await startDynalite(persist ? { path: dataDir } : {})
          : { endpoint: attach.endpoint, close: async () => {} };
      services.push(dynalite);
      const sqsServer = await startSqs();
      services.push(sqsServer);
      // The trade function's retry delay (ChangeMessageVisibility) goes to the event source.
      const sqsRelay = await SqsVisibilityRelay.start(sqsServer.endpoint);
      services.push({ endpoint: sqsRelay.endpoint, close: () => sqsRelay.close() });
      const clock = new SimClock();
      const simulator = await startSimulator({
        clock,
        wire: wireOf(exchangeId),
        // A synthetic market named here (`--synthetic`) is served as well as the candle files.
        // With a volume selector, every market is served for it to pick from.
        ...(selectorsOf(config).length > 0
          ? { synthetic: options.syntheticMarkets ?? 0 }
          : { symbols: fixedSymbols(config).map((s) => s.symbol) }),
        feeRate: config.paper.feeRate,
        balances: config.paper.balances,
        ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
        ...(exchangeState === undefined ? {} : { stateFile: exchangeState }),
      });
      services.push({ endpoint: simulator.url, close: () => simulator.close() });
      // The attached process's exchange holds the orders its state refers to.
      const exchangeUrl = attach?.exchangeUrl ?? simulator.url;
      const faults = options.faults ?? [];
      for (const f of faults) if (f.target === 'exchange') simulator.setFault(f.symbol, f.fault);
      const blocked = faults.flatMap((f) => (f.target === 'strategy' ? [f.symbol] : []));

      const dynamoClient = new DynamoDBClient(localAwsClientConfig(dynalite.endpoint));
      await createStateTable(dynamoClient, localNames.table);
      await createIdempotencyTable(dynamoClient, localNames.idempotencyTable);
      const dynamo = DynamoDBDocumentClient.from(dynamoClient);
      const store = new DynamoStateStore({ tableName: localNames.table, client: dynamo, clock });
      const tradeConfig = options.configFor
        ? await options.configFor({ store, simulator, clock })
        : config;
      const sqs = new SQSClient(localAwsClientConfig(sqsServer.endpoint));
      const tradeTimeoutMs = config.timeouts.tradeFunctionSeconds * 1000;
      const { queueUrl, dlqUrl } = await createSymbolQueues(sqs, {
        name: localNames.queue,
        maxReceiveCount: config.queue.maxReceiveCount,
        visibilityTimeoutSeconds: 6 * config.timeouts.tradeFunctionSeconds,
      });
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );

      // The config as the stack's layer holds it: a file, one per function's view of it.
      const configDir = await mkdtemp(join(tmpdir(), 'tickfan-config-'));
      services.push({
        endpoint: configDir,
        close: () => rm(configDir, { recursive: true, force: true }),
      });
      const configFile = join(configDir, 'fan-out.json');
      const tradeConfigFile = join(configDir, 'trade.json');
      await writeFile(configFile, JSON.stringify(config));
      await writeFile(tradeConfigFile, JSON.stringify(tradeConfig));
      const env: Record<string, string> = {
        [configFileEnvName]: configFile,
        TICKFAN_TABLE_NAME: localNames.table,
        TICKFAN_IDEMPOTENCY_TABLE_NAME: localNames.idempotencyTable,
        TICKFAN_QUEUE_URL: queueUrl,
        TICKFAN_DLQ_URL: dlqUrl,
        // Read by the local trade entries only (lib/local/entries/), never by a deployed one.
        [localEnvNames.exchangeUrl]: exchangeUrl,
        ...(blocked.length > 0 ? { [localEnvNames.blockSymbols]: blocked.join(',') } : {}),
        ...(options.notifyUrl ? { [localEnvNames.notifyUrl]: options.notifyUrl } : {}),
        AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
        AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        POWERTOOLS_METRICS_NAMESPACE: metricNamespace,
        NODE_OPTIONS: '--enable-source-maps',
        // Local runs are on Node 20 on purpose (see README); Lambda runs the newest runtime.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      const common = {
        workerFile: build.workerFile,
        cpuShare: new CpuShare(),
        env,
        ...(options.logs ? { logs: options.logs } : {}),
      };
      const trade = new LocalFunction({
        ...common,
        name: 'tickfan-local-trade',
        env: {
          ...env,
          [configFileEnvName]: tradeConfigFile,
          AWS_ENDPOINT_URL_SQS: sqsRelay.endpoint,
          TICKFAN_QUEUE_URL: sqsRelay.urlOf(queueUrl),
          TICKFAN_DLQ_URL: sqsRelay.urlOf(dlqUrl),
        },
        bundleFile: build.bundles.trade,
        timeoutMs: tradeTimeoutMs,
        memoryMb: functionMemoryMb.trade,
        maxConcurrency: config.queue.maxConcurrency,
      });
      const fanOut = new LocalFunction({
        ...common,
        name: 'tickfan-local-fan-out',
        bundleFile: build.bundles['fan-out'],
        timeoutMs: config.timeouts.fanOutFunctionSeconds * 1000,
        memoryMb: functionMemoryMb['fan-out'],
        maxConcurrency: 1,
      });
      const markets = new LocalFunction({
        ...common,
        name: 'tickfan-local-markets',
        bundleFile: build.bundles.trade,
        handlerName: 'refresh',
        timeoutMs: marketsFunctionSeconds * 1000,
        memoryMb: functionMemoryMb.markets,
        maxConcurrency: 1,
      });
      const eventSource = new SqsEventSource({
        sqs,
        queueUrl,
        queueArn: Attributes?.QueueArn ?? '',
        deadLetterQueueUrl: dlqUrl,
        fn: trade,
        visibilityTimeoutMs: 6 * tradeTimeoutMs,
        maxReceiveCount: config.queue.maxReceiveCount,
        maxConcurrency: config.queue.maxConcurrency,
        clockOffsetMs: options.clockOffsetFor ?? (() => clock.offsetMs),
        ...(options.onInvocation ? { onInvocation: options.onInvocation } : {}),
        duplicateRate: faults.reduce((r, f) => (f.target === 'queue' ? f.rate : r), 0),
      });
      sqsRelay.onChangeVisibility((handle, seconds) =>
        eventSource.changeVisibility(handle, seconds),
      );
      if (carried !== undefined && carried.mode !== TradingMode.Active) {
        await store.putControl(carried);
      }
      if (persist) {
        // Last, so that a command finding the file finds the tables and the kill switch ready;
        // removed first on close, before the database goes.
        await writeStateEndpoint(stateDir, {
          endpoint: dynalite.endpoint,
          exchangeUrl: simulator.url,
          exchange: exchangeId,
          ...(options.notifyUrl ? { notifyUrl: options.notifyUrl } : {}),
        });
        services.push({ endpoint: dynalite.endpoint, close: () => removeStateEndpoint(stateDir) });
      }
      return new LocalEnvironment(
        config,
        clock,
        simulator,
        sqs,
        dynamo,
        store,
        queueUrl,
        dlqUrl,
        trade,
        fanOut,
        markets,
        eventSource,
        services,
      );
    } catch (error) {
      await Promise.allSettled(services.map((s) => s.close()));
      throw error;
    }
  }

  /**
   * Runs the markets function once at `clockOffsetMs` (the simulated clock): the exchange's
   * market rules stored for every configured symbol, as the deployed schedule does each period.
   */
  async refreshMarkets(clockOffsetMs = this.clock.offsetMs): Promise<RefreshMarketsResult> {
    const outcome = await this.markets.invoke({ source: 'tickfan.local' }, clockOffsetMs);
    if (!outcome.ok) throw new Error(`markets refresh failed: ${outcome.error.message}`);
    return outcome.value as RefreshMarketsResult;
  }

  /** Messages in a queue, visible or in flight. */
  async queueDepth(queueUrl = this.queueUrl): Promise<number> {
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  /**
   * The messages in the dead-letter queue, read once each (they stay hidden for a minute, so
   * read the queue's depth first).
   */
  async peekDeadLetters(): Promise<Message[]> {
    const seen = new Map<string, Message>();
    for (;;) {
      const { Messages = [] } = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.dlqUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          MessageAttributeNames: ['All'],
          AttributeNames: ['All'],
        }),
      );
      const fresh = Messages.filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
      if (fresh.length === 0) return [...seen.values()];
      for (const m of fresh) seen.set(m.MessageId ?? '', m);
    }
  }

  async close(): Promise<void> {
    await this.eventSource.stop();
    await Promise.allSettled([this.trade.close(), this.fanOut.close(), this.markets.close()]);
    this.sqs.destroy();
    this.dynamo.destroy();
    for (const service of [...this.services].reverse()) await service.close();
  }
}
