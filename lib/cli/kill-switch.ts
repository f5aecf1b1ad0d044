import { type TradingControl, TradingMode } from '../domain/control.js';
import type { TradeEvent } from '../domain/trade-event.js';
import { UsageError } from './args.js';
import { defaultStage, stackNameFor, stackOutputs } from './remote/stack-outputs.js';

/** The control a command line asks for. */
export function controlFor(
  command: 'halt' | 'resume',
  options: { reason?: string; closeOnly?: boolean },
  now: Date,
): TradingControl {
  if (command === 'resume') {
    if (options.reason !== undefined || options.closeOnly) {
      throw new UsageError('resume takes no --reason or --close-only');
    }
    return { mode: TradingMode.Active, by: 'operator', at: now.toISOString() };
  }
  return {
    mode: options.closeOnly ? TradingMode.CloseOnly : TradingMode.Halted,
    reason: options.reason ?? 'halted by an operator',
    by: 'operator',
    at: now.toISOString(),
  };
}

/** The event a person is told about for `control`: a halt or close-only; none for a resume. */
export function controlEvent(control: TradingControl): TradeEvent | undefined {
  const time = Date.parse(control.at ?? '');
  const common = {
    time: Number.isFinite(time) ? time : 0,
    ...(control.reason === undefined ? {} : { reason: control.reason }),
    ...(control.by === undefined ? {} : { by: control.by }),
  };
  if (control.mode === TradingMode.Halted) return { kind: 'halt', ...common };
  if (control.mode === TradingMode.CloseOnly) return { kind: 'close-only', ...common };
  return undefined;
}

/** The deployed state table: named with --table, else the stack's StateTableName output. */
export async function remoteTable(
  options: { table?: string; stage?: string },
  outputs: (stackName: string) => Promise<{ StateTableName: string }> = stackOutputs,
): Promise<string> {
  if (options.table !== undefined) {
    if (options.stage !== undefined) throw new UsageError('give --table or --stage, not both');
    return options.table;
  }
  return (await outputs(stackNameFor(options.stage ?? defaultStage))).StateTableName;
}
