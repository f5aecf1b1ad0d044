import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stage } from 'aws-cdk-lib';
import { Architecture, Code, LayerVersion } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { configFileEnvName, deployedConfigPath } from '../../lib/config/env.js';
import type { BotConfig } from '../../lib/config/schema.js';

export interface ConfigLayerProps {
  /** The validated bot config every function reads. */
  readonly config: BotConfig;
}

/**
 * The bot config as a Lambda layer: one JSON file that Lambda mounts at
 * {@link deployedConfigPath} in every function that holds the layer, read once per cold start.
 *
 * The config does not fit in the environment: Lambda allows a function 4 KB of variables, about
 * 25 symbols. A layer has room for thousands (250 MB unzipped), is read from local disk with no
 * network call during the billed init, is an immutable version that a rollback restores together
 * with the code, and changing the symbols or their params publishes a new layer version and
 * touches no function bundle.
 */
export class ConfigLayer extends Construct {
  public readonly layer: LayerVersion;
  /** The environment a function needs to find the config: its path in the layer. */
  public readonly environment: Readonly<Record<string, string>>;
  /** The file written at synthesis, which the layer's asset holds at {@link deployedConfigPath}. */
  public readonly file: string;

  constructor(scope: Construct, id: string, props: ConfigLayerProps) {
    super(scope, id);
    const json = JSON.stringify(props.config);
    const hash = createHash('sha256').update(json).digest('hex').slice(0, 16);
    // Under the cloud assembly's own directory, so every synth writes beside its output and a
    // config that did not change keeps its asset hash.
    const root = join(Stage.of(this)?.outdir ?? '.', 'tickfan-config', hash);
    this.file = join(root, ...deployedConfigPath.replace(/^\/opt\//, '').split('/'));
    mkdirSync(join(this.file, '..'), { recursive: true });
    writeFileSync(this.file, json);
    this.layer = new LayerVersion(this, 'Layer', {
      code: Code.fromAsset(root),
      description: `tickfan config: ${props.config.symbols.length} symbols on ${props.config.exchange.id} (${props.config.exchange.mode})`,
      compatibleArchitectures: [Architecture.ARM_64],
    });
    this.environment = { [configFileEnvName]: deployedConfigPath };
  }
}
