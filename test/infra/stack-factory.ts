import { rmSync } from 'node:fs';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { TickfanStack } from '../../infra/tickfan-stack.js';
import { type BotConfig, parseConfig } from '../../lib/config/schema.js';

/** CDK context that makes synthesis skip esbuild (~0.2 s instead of seconds per function). */
export const skipBundling = { 'aws:cdk:bundling-stacks': [] };

type RawSection = Record<string, unknown>;

/** Sections of the raw `tickfan` context a test may replace, each merged over the defaults. */
export interface RawConfigOverrides {
  readonly schedule?: RawSection;
  readonly symbols?: unknown;
  readonly timeouts?: RawSection;
  readonly queue?: RawSection;
  readonly exchange?: RawSection;
}

/** A raw `tickfan` context, as cdk.json would hold it; values differ from the schema defaults. */
export function rawConfig(overrides: RawConfigOverrides = {}): Record<string, unknown> {
  return {
    exchange: { id: 'binance', mode: 'paper', ...overrides.exchange },
    schedule: { expression: 'rate(5 minutes)', timezone: 'Europe/Berlin', ...overrides.schedule },
    symbols: overrides.symbols ?? [
      { symbol: 'LTC/BTC', timeframe: '5m', strategy: 'sma-cross', params: { fast: 5, slow: 20 } },
      { symbol: 'ETH/BTC', timeframe: '15m' },
    ],
    timeouts: { tradeFunctionSeconds: 40, fanOutFunctionSeconds: 20, ...overrides.timeouts },
    queue: { maxReceiveCount: 4, maxConcurrency: 7, ...overrides.queue },
  };
}

export function testConfig(overrides: RawConfigOverrides = {}): BotConfig {
  return parseConfig(rawConfig(overrides), 'test config');
}

export interface TestStack {
  readonly stack: TickfanStack;
  readonly template: Template;
  readonly config: BotConfig;
}

const outdirs: string[] = [];

/** Deletes the cloud assemblies {@link synthTestStack} wrote to temporary directories. */
export function removeTestAssemblies(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** An App with the given context whose (temporary) output directory the tests clean up. */
export function testApp(context: Record<string, unknown> = skipBundling): App {
  const app = new App({ context, builtinCloudFormationValidation: false });
  outdirs.push(app.outdir);
  return app;
}

/**
 * Synthesizes a tickfan stack without bundling and without the built-in template validation
 * (which compiles a WebAssembly engine: seconds per process).
 */
export function synthTestStack(
  options: { config?: BotConfig; stage?: string; app?: App } = {},
): TestStack {
  const config = options.config ?? testConfig();
  const stage = options.stage ?? 'dev';
  const app = options.app ?? testApp();
  const stack = new TickfanStack(app, `tickfan-${stage}`, { config, stage });
  return { stack, template: Template.fromStack(stack), config };
}

/** The logical id of an L2 construct's CloudFormation resource. */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (resource === undefined) throw new Error(`${construct.node.path} has no default child`);
  return stack.getLogicalId(resource as CfnElement);
}
