import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lib/config/schema.js';
import { readDeploymentContext } from './context.js';
import { TickfanStack } from './tickfan-stack.js';

const app = new App();
try {
  const { stage, config } = readDeploymentContext(app.node);
  new TickfanStack(app, `tickfan-${stage}`, { config, stage });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // The message names every bad field and value; a stack trace would only bury it.
  console.error(error.message);
  process.exit(1);
}
