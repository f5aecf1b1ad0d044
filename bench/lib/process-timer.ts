import { spawn } from 'node:child_process';

/** A whole Node.js process to time: `node ...args` in `cwd` with exactly `env`. */
export interface ProcessSpec {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/**
 * Wall time of one whole process, spawn to exit, in ms: what a cold start costs, runtime boot
 * included. Throws with the child's stderr when it exits non-zero, so a probe that failed to load
 * what it should cannot pass for a fast one.
 */
export function timeProcess(spec: ProcessSpec): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let exitedAt = Number.NaN;
    const child = spawn(process.execPath, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', () => {
      exitedAt = performance.now();
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve(exitedAt - started);
      else reject(new Error(`${spec.name}: exited with ${code ?? signal}\n${stderr.trim()}`));
    });
  });
}

/**
 * Times every spec `runs` times after `warmups` untimed runs, interleaved (one of each per round,
 * the starting one rotating), so that a burst of load from a neighbour lands on all of them rather
 * than on one. Returns the timed runs by spec name.
 */
export async function timeInterleaved(
  specs: readonly ProcessSpec[],
  options: { runs: number; warmups: number },
): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(specs.map((s) => [s.name, []]));
  for (let round = 0; round < options.warmups + options.runs; round++) {
    for (let k = 0; k < specs.length; k++) {
      const spec = specs[(round + k) % specs.length] as ProcessSpec;
      const ms = await timeProcess(spec);
      if (round >= options.warmups) times.get(spec.name)?.push(ms);
    }
  }
  return times;
}
