import type { Node } from 'constructs';
import { defaultStage } from '../lib/config/deployment-names.js';
import { type BotConfig, ConfigError, parseConfig } from '../lib/config/schema.js';

/** Where the config comes from, as named in error messages. */
export const configSource = 'cdk.json context.tickfan';

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
    throw new ConfigError(`context.${key} ${message}`, [{ path: key, message, value }]);
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
      `cdk.json context.stage is invalid:\n  stage: ${message} (got ${JSON.stringify(stage)})`,
      [{ path: 'stage', message, value: stage }],
    );
  }
  return { stage, config: parseConfig(contextValue(node, 'tickfan'), configSource) };
}
