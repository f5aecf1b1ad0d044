import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { type CpuShare, mbPerVcpu } from './cpu-share.js';
import type { WorkerInvoke, WorkerMessage } from './lambda-protocol.js';

export interface LocalFunctionOptions {
  readonly name: string;
  /** The function's bundle, as built for Lambda. */
  readonly bundleFile: string;
  /** The bundle's export the function runs (Lambda's handler setting); default `handler`. */
  readonly handlerName?: string;
  /** The bundled lambda-worker shim. */
  readonly workerFile: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Containers that may run at once; further invocations wait for one. */
  readonly maxConcurrency: number;
  readonly memoryMb?: number;
  /** Keeps each container to the CPU its memory buys in Lambda; without it, CPU is not limited. */
  readonly cpuShare?: CpuShare;
  /** Where the function's stdout and stderr go (its log stream). */
  readonly logs?: Writable;
  /**
   * Longest a cold start may take on an idle machine before the container is given up; the
   * limit grows with the machine's load (see {@link coldStartLimitMs}). Lambda allows 10 s; the
   * local default is {@link baseInitTimeoutMs}, because here every container shares two cores
   * with the rest.
   */
  readonly initTimeoutMs?: number;
  /** The machine's load, read when a cold start begins and again when its limit runs out. */
  readonly machineLoad?: () => MachineLoad;
}

/** How busy the machine is: the 1-minute load average and the cores that share it. */
export interface MachineLoad {
  readonly load1: number;
  readonly cores: number;
}

/** The cold-start limit on an idle machine, in ms. */
export const baseInitTimeoutMs = 30_000;

/** The machine's load as the kernel reports it. */
export function currentMachineLoad(): MachineLoad {
  return { load1: loadavg()[0] ?? 0, cores: availableParallelism() };
}

/**
 * The cold-start limit on a machine with `load`: `baseMs × max(1, load1 / cores)`. A container
 * here shares the cores with everything else that runs, so its init takes about that much longer
 * when more is runnable than there are cores; a loaded machine then gives a slow cold start
 * rather than a failed one, while an idle machine keeps the base limit.
 */
export function coldStartLimitMs(baseMs: number, load: MachineLoad): number {
  const perCore = load.cores > 0 ? load.load1 / load.cores : load.load1;
  return Math.round(baseMs * Math.max(1, Number.isFinite(perCore) ? perCore : 1));
}

export type InvocationOutcome =
  | {
      readonly ok: true;
      readonly value: unknown;
      readonly durationMs: number;
      readonly coldStart: boolean;
    }
  | {
      readonly ok: false;
      readonly error: { readonly name: string; readonly message: string };
      readonly timedOut: boolean;
      readonly durationMs: number;
      readonly coldStart: boolean;
    };

interface Container {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  pending?: (message: WorkerMessage) => void;
  requestId?: string;
  /** Stops the CPU share watching this container's thread. */
  unwatch?: () => void;
  /** Its init has finished. */
  initialised?: boolean;
}

/**
 * A Lambda function on this machine: each container is a worker thread that runs one invocation
 * at a time and is terminated at the function's timeout, so a handler that hangs or blocks its
 * event loop costs its own invocation and nothing else. Containers are pooled as provisioned
 * concurrency keeps them: warmed ahead ({@link warm}), reused by any invocation, and one
 * terminated at its timeout is replaced at once in the background, so the cold start of its
 * replacement does not fall on the next invocation of another symbol.
 */
export class LocalFunction {
  private readonly idle: Container[] = [];
  /** Replacements of containers terminated at their timeout, still initialising. */
  private readonly replacing: Container[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly all = new Set<Container>();
  private running = 0;
  private closed = false;

  constructor(private readonly options: LocalFunctionOptions) {}

  /** Runs one invocation with `event`, on the simulated clock `clockOffsetMs` ahead of the system's. */
  async invoke(event: unknown, clockOffsetMs = 0): Promise<InvocationOutcome> {
    await this.acquire();
    const started = Date.now();
    // A warm container first; else a replacement already initialising; else a new one.
    let container = this.idle.pop() ?? this.replacing.shift();
    const coldStart = container?.initialised !== true;
    try {
      if (container === undefined) container = this.spawn();
      try {
        await container.ready;
      } catch (error) {
        this.discard(container);
        return {
          ok: false,
          error: errorOf(error),
          timedOut: false,
          durationMs: Date.now() - started,
          coldStart,
        };
      }
      const outcome = await this.run(container, event, clockOffsetMs, coldStart);
      if (this.all.has(container)) this.idle.push(container);
      return outcome;
    } finally {
      this.release();
    }
  }

  /**
   * Starts `count` containers ahead of the first invocation, as provisioned concurrency does,
   * so that a run's first tick measures the pipeline rather than cold starts.
   */
  async warm(count: number): Promise<void> {
    const fresh = Array.from({ length: Math.min(count, this.options.maxConcurrency) }, () =>
      this.spawn(),
    );
    await Promise.all(fresh.map((c) => c.ready));
    this.idle.push(...fresh);
  }

  /** Resolves once every replacement started so far has finished its init (or failed it). */
  async replacementsReady(): Promise<void> {
    await Promise.all(this.replacing.map((c) => c.ready.catch(() => undefined)));
  }

  /**
   * Containers alive now, idle or running: never more than `maxConcurrency`, since an
   * invocation takes an idle one before it starts another, whatever the number of symbols.
   */
  get containers(): number {
    return this.all.size;
  }

  /** Terminates every container. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all].map((c) => this.terminate(c)));
    this.all.clear();
    this.idle.length = 0;
    this.replacing.length = 0;
  }

  private run(
    container: Container,
    event: unknown,
    clockOffsetMs: number,
    coldStart: boolean,
  ): Promise<InvocationOutcome> {
    const started = Date.now();
    const invoke: WorkerInvoke = {
      requestId: randomUUID(),
      event,
      deadline: started + this.options.timeoutMs,
      clockOffsetMs,
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        container.pending = undefined;
        // Terminating the thread is the only way to stop a handler stuck in synchronous code.
        this.discard(container);
        this.replace();
        const seconds = (this.options.timeoutMs / 1000).toFixed(2);
        resolve({
          ok: false,
          error: { name: 'TimeoutError', message: `Task timed out after ${seconds} seconds` },
          timedOut: true,
          durationMs: Date.now() - started,
          coldStart,
        });
      }, this.options.timeoutMs);
      container.pending = (message) => {
        if (message.type !== 'result' || message.requestId !== invoke.requestId) return;
        clearTimeout(timer);
        container.pending = undefined;
        const durationMs = Date.now() - started;
        resolve(
          message.ok
            ? { ok: true, value: message.value, durationMs, coldStart }
            : {
                ok: false,
                error: message.error ?? { name: 'Error', message: 'unknown error' },
                timedOut: false,
                durationMs,
                coldStart,
              },
        );
      };
      container.requestId = invoke.requestId;
      container.worker.postMessage(invoke);
    });
  }

  private spawn(): Container {
    const { options } = this;
    const memoryMb = options.memoryMb ?? 512;
    const worker = new Worker(options.workerFile, {
      workerData: {
        bundleFile: options.bundleFile,
        functionName: options.name,
        memoryMb,
        ...(options.handlerName === undefined ? {} : { handlerName: options.handlerName }),
      },
      env: { ...options.env },
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
    });
    // Many containers write to one log stream; plain writes avoid a pipe (and listeners) each.
    const logs = options.logs;
    for (const stream of [worker.stdout, worker.stderr]) {
      if (logs) stream.on('data', (chunk: Buffer) => logs.write(chunk));
      else stream.resume();
    }
    let container: Container;
    const ready = new Promise<void>((resolve, reject) => {
      const baseMs = options.initTimeoutMs ?? baseInitTimeoutMs;
      const machineLoad = options.machineLoad ?? currentMachineLoad;
      const began = Date.now();
      let initTimer: NodeJS.Timeout;
      // The 1-minute load lags a burst that begins during the init: when the limit runs out it is
      // worked out again from the load then, and the container gets the rest of a raised limit.
      const arm = (limitMs: number) => {
        initTimer = setTimeout(
          () => {
            const load = machineLoad();
            const raisedMs = coldStartLimitMs(baseMs, load);
            if (Date.now() - began < raisedMs) {
              arm(raisedMs);
              return;
            }
            reject(
              new Error(
                `${options.name} cold start took longer than ${raisedMs} ms (${baseMs} ms on an idle machine, load ${load.load1.toFixed(2)} on ${load.cores} cores)`,
              ),
            );
          },
          Math.max(0, limitMs - (Date.now() - began)),
        );
      };
      arm(coldStartLimitMs(baseMs, machineLoad()));
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'thread') {
          container.unwatch = options.cpuShare?.watch(message.tid, memoryMb / mbPerVcpu);
        } else if (message.type === 'ready') {
          clearTimeout(initTimer);
          container.initialised = true;
          resolve();
        } else if (message.type === 'init-error') {
          clearTimeout(initTimer);
          reject(
            new Error(
              `${options.name} failed to initialise: ${message.error.name}: ${message.error.message}`,
            ),
          );
        } else {
          container.pending?.(message);
        }
      });
      worker.on('error', (error) => {
        clearTimeout(initTimer);
        reject(error);
        const pending = container.pending;
        container.pending = undefined;
        // The thread died mid-invocation (an uncaught error): that invocation fails.
        this.all.delete(container);
        container.unwatch?.();
        pending?.({
          type: 'result',
          requestId: container.requestId ?? '',
          ok: false,
          error: errorOf(error),
        });
      });
    });
    // A crash before any invocation is reported when the container is first used.
    ready.catch(() => undefined);
    container = { worker, ready };
    this.all.add(container);
    return container;
  }

  /** Starts a container in place of one terminated, idle once initialised unless taken before. */
  private replace(): void {
    if (this.closed) return;
    const fresh = this.spawn();
    this.replacing.push(fresh);
    const settle = (ok: boolean) => {
      const at = this.replacing.indexOf(fresh);
      if (at < 0) return;
      this.replacing.splice(at, 1);
      if (!ok) this.discard(fresh);
      else if (this.all.has(fresh) && !this.closed) this.idle.push(fresh);
    };
    fresh.ready.then(
      () => settle(true),
      () => settle(false),
    );
  }

  private discard(container: Container): void {
    this.all.delete(container);
    void this.terminate(container);
  }

  private terminate(container: Container): Promise<number> {
    container.unwatch?.();
    return container.worker.terminate();
  }

  private async acquire(): Promise<void> {
    if (this.closed) throw new Error(`${this.options.name} is closed`);
    if (this.running < this.options.maxConcurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

function errorOf(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}
