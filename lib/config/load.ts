import { readFileSync } from 'node:fs';
import { type BotConfig, parseConfig } from './schema.js';

/** Reads and validates the `tickfan` context of a cdk.json file (the local runtime's config). */
export function loadConfigFile(path = 'cdk.json'): BotConfig {
  let json: { context?: { tickfan?: unknown } };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read tickfan config from ${path}: ${(error as Error).message}`);
  }
  return parseConfig(json.context?.tickfan, `${path} context.tickfan`);
}
