import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  /** `nproc`: CPUs this process may use. */
  readonly nproc: number;
  readonly cpu: string;
  /** `free -h`, as printed. */
  readonly memory: string;
  readonly node: string;
  /** 1-minute load average over the run, sampled every few seconds. */
  readonly load1: {
    readonly start: number;
    readonly min: number;
    readonly max: number;
    readonly mean: number;
    readonly end: number;
  };
}

function command(file: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(file, [...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Samples the 1-minute load average every `everyMs` until `stop()`, which returns the machine
 * facts RESULTS.md records. The machine is shared: the load says how much a run had to itself.
 */
export function watchMachine(everyMs = 5_000): { stop(): MachineInfo } {
  const samples: number[] = [loadavg()[0] ?? 0];
  const timer = setInterval(() => samples.push(loadavg()[0] ?? 0), everyMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      samples.push(loadavg()[0] ?? 0);
      const round2 = (n: number) => Math.round(n * 100) / 100;
      return {
        nproc: Number(command('nproc', [])) || availableParallelism(),
        cpu: cpus()[0]?.model ?? 'unknown',
        memory: command('free', ['-h']) ?? `${Math.round(totalmem() / 2 ** 30)} GiB total`,
        node: process.version,
        load1: {
          start: round2(samples[0] ?? 0),
          min: round2(Math.min(...samples)),
          max: round2(Math.max(...samples)),
          mean: round2(samples.reduce((a, b) => a + b, 0) / samples.length),
          end: round2(samples.at(-1) ?? 0),
        },
      };
    },
  };
}
