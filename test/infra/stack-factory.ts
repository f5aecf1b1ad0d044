import { rmSync } from 'node:fs';
import { App, type CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { TickfanStack } from '../../infra/tickfan-stack.js';
import { stackNameFor } from '../../lib/config/deployment-names.js';
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
  readonly network?: RawSection;
  readonly notifications?: RawSection;
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
    ...(overrides.network === undefined ? {} : { network: overrides.network }),
    ...(overrides.notifications === undefined ? {} : { notifications: overrides.notifications }),
  };
}

export function testConfig(overrides: RawConfigOverrides = {}): BotConfig {
  return parseConfig(rawConfig(overrides), 'test config');
}

/** Name of the Secrets Manager secret live-mode test configs point at. */
export const liveSecretName = 'tickfan/prod/binance';

/** A live-mode config reading its keys from {@link liveSecretName}. */
export function liveConfig(): BotConfig {
  return testConfig({
    exchange: { mode: 'live', secretName: liveSecretName },
    // Binance deletes a trading key without an IP whitelist: live binance needs the fixed IP.
    network: { staticEgressIp: true },
  });
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
  const stack = new TickfanStack(app, stackNameFor(stage), { config, stage });
  return { stack, template: Template.fromStack(stack), config };
}

let defaultStack: TestStack | undefined;

/**
 * The stack of the default test config in stage `dev`, synthesized once per test file: tests
 * that only read the template share it instead of paying for a synthesis each.
 */
export function sharedTestStack(): TestStack {
  defaultStack ??= synthTestStack();
  return defaultStack;
}

/** The logical id of an L2 construct's CloudFormation resource. */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const resource = construct.node.defaultChild;
  if (resource === undefined) throw new Error(`${construct.node.path} has no default child`);
  return stack.getLogicalId(resource as CfnElement);
}

/** Every IAM policy statement attached to `role`, as synthesized. */
export function statementsOf(
  template: Template,
  stack: Stack,
  role: IRole,
): Record<string, unknown>[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: logicalId(stack, role) }] },
  });
  return Object.values(policies).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[],
  );
}

/** The actions of `statements`, flattened. */
export function actionsOf(statements: readonly Record<string, unknown>[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])) as string[];
}

interface DashboardWidget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly metrics?: unknown[][];
    readonly alarms?: string[];
    readonly query?: string;
    readonly markdown?: string;
  };
}

export interface DashboardBody {
  readonly widgets: DashboardWidget[];
}

/** A token of the template as a readable placeholder: `Ref` → id, `Fn::GetAtt` → `id.attr`. */
function tokenText(part: unknown): string {
  const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  if (token.Ref !== undefined) return token.Ref;
  if (token['Fn::GetAtt'] !== undefined) return token['Fn::GetAtt'].join('.');
  return 'TOKEN';
}

/**
 * The dashboard body of the (only) dashboard. It is an Fn::Join of JSON text and tokens (region,
 * queue names, alarm ARNs); tokens only occur inside JSON strings, so replacing each with a
 * placeholder naming its resource leaves parseable JSON.
 */
export function dashboardBody(template: Template): DashboardBody {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (dashboards.length !== 1) throw new Error(`${dashboards.length} dashboards, expected 1`);
  const body: unknown = dashboards[0]?.Properties?.DashboardBody;
  const parts = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts.map((part) => (typeof part === 'string' ? part : tokenText(part))).join('');
  return JSON.parse(text) as DashboardBody;
}

/** A synthesized CloudWatch alarm's properties. */
export interface AlarmProperties {
  readonly AlarmName: string;
  readonly MetricName: string;
  readonly Namespace: string;
  readonly Dimensions?: { Name: string; Value: unknown }[];
  readonly Statistic?: string;
  readonly ExtendedStatistic?: string;
  readonly Period: number;
  readonly Threshold: number;
  readonly ComparisonOperator: string;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly TreatMissingData: string;
  readonly AlarmActions: unknown[];
  readonly OKActions: unknown[];
}

/** The synthesized alarms, by the id after the stack name in their name (`tickfan-dev-<id>`). */
export function alarmsById(template: Template): Map<string, AlarmProperties> {
  const alarms = new Map<string, AlarmProperties>();
  for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
    const properties = alarm.Properties as AlarmProperties;
    alarms.set(properties.AlarmName.replace(/^tickfan-[a-z0-9-]+?-(?=[A-Z])/, ''), properties);
  }
  return alarms;
}

export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every `Validations.of(...).acknowledge(...)` under `root`, with the construct it sits on. */
export function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}
