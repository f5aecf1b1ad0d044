import type { Node } from 'constructs';
import { defaultStage } from '../lib/config/deployment-names.js';
import { type BotConfig, ConfigError, parseConfig } from '../lib/config/schema.js';

/**
 * Where an object-valued context entry came from, as error messages name it: `-c key=value` on
 * the command line arrives as a string, cdk.json's context as the parsed object.
 */
export function contextSource(node: Node, key: string): string {
  const value: unknown = node.tryGetContext(key);
  return typeof value === 'string' ? `-c ${key}=...` : `cdk.json context.${key}`;
}

const stagePattern = /^[a-z][a-z0-9-]{0,31}$/;

export interface DeploymentContext {
  readonly stage: string;
  readonly config: BotConfig;
}

/** `-c key=value` on the command line gives a string; cdk.json gives the parsed value. */
function contextValue(node: Node, key: string): unknown {
  const value: unknown = node.tryGetContext(key);
  if (typeof value !== 'string' || !/^\s*[{[]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    const message = `is not valid JSON: ${(error as Error).message}`;
    throw new ConfigError(`${contextSource(node, key)} ${message}`, [
      { path: key, message, value },
    ]);
  }
}

/**
 * Reads and validates the CDK context: `stage` (default `dev`; it names the stack `tickfan-<stage>`)
 * and the `tickfan` bot config. Throws {@link ConfigError} naming each bad field.
 */
export function readDeploymentContext(node: Node): DeploymentContext {
  const stage = contextValue(node, 'stage') ?? defaultStage;
  if (typeof stage !== 'string' || !stagePattern.test(stage)) {
    const message = 'must be lower-case letters, digits and hyphens, starting with a letter';
    throw new ConfigError(
      `context.stage (cdk.json or -c stage=...) is invalid:\n  stage: ${message} (got ${JSON.stringify(stage)})`,
      [{ path: 'stage', message, value: stage }],
    );
  }
  const config = parseConfig(contextValue(node, 'tickfan'), contextSource(node, 'tickfan'));
  return { stage, config };
}
