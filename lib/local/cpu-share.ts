import { readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';

/** Lambda allocates CPU in proportion to memory: one vCPU at this many MB. */
export const mbPerVcpu = 1769;

/** Lowest scheduling priority a thread can have on Linux. */
const lowestNice = 19;

export interface CpuShareOptions {
  /** Sampling window; default 100 ms, the kernel's default CPU quota period. */
  readonly windowMs?: number;
  /** Told each time a thread is moved down (`true`) or back (`false`). */
  readonly onChange?: (tid: number, throttled: boolean) => void;
}

interface Watched {
  /** vCPUs the thread may use before it is throttled. */
  readonly share: number;
  /** The nice value it had when watching began, and gets back. */
  readonly baseNice: number;
  /** The last reading: CPU time used, and when it was read (performance.now). */
  last?: { readonly cpuNs: number; readonly at: number };
  throttled: boolean;
}

/**
 * Lambda's CPU limit for local containers. In Lambda each container gets CPU in proportion to its
 * memory and is throttled beyond that, so a handler that burns CPU slows only itself. Here every
 * container is a thread on the same two cores, and one busy loop would take a core from the
 * others. Each window, a container thread that used more than its share is moved to the lowest
 * scheduling priority, and back once it keeps to its share for a window. The kernel still runs a
 * throttled thread whenever a core is free, so a container alone on the machine is not slowed.
 *
 * Linux only (threads are found through `/proc/thread-self`), and it needs the right to raise a
 * priority again (root or CAP_SYS_NICE); elsewhere it watches nothing and containers share the
 * CPU as the kernel sees fit.
 */
export class CpuShare {
  private readonly threads = new Map<number, Watched>();
  private readonly windowMs: number;
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(private readonly options: CpuShareOptions = {}) {
    this.windowMs = options.windowMs ?? 100;
  }

  /** Whether this process can throttle threads and lift the throttle again. */
  static readonly supported: boolean = canRaisePriority();

  /**
   * Keeps thread `tid` of this process to `share` vCPUs. Returns the function that stops
   * watching it (the thread keeps the priority it has; a finished thread needs nothing).
   */
  watch(tid: number, share: number): () => void {
    if (!CpuShare.supported) return () => undefined;
    let baseNice: number;
    try {
      baseNice = getPriority(tid);
    } catch {
      return () => undefined;
    }
    this.threads.set(tid, { share, baseNice, throttled: false });
    this.timer ??= setInterval(() => void this.sample(), this.windowMs).unref();
    return () => this.forget(tid);
  }

  /** Stops watching `tid`, and stops sampling once no thread is left. */
  private forget(tid: number): void {
    this.threads.delete(tid);
    if (this.threads.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      await Promise.all([...this.threads.entries()].map(([tid, t]) => this.check(tid, t)));
    } finally {
      this.sampling = false;
    }
  }

  private async check(tid: number, thread: Watched): Promise<void> {
    const cpuNs = await cpuTimeNs(tid);
    const at = performance.now();
    if (cpuNs === undefined) {
      // The thread has ended.
      this.forget(tid);
      return;
    }
    const last = thread.last;
    thread.last = { cpuNs, at };
    if (last === undefined) return;
    const over = (cpuNs - last.cpuNs) / 1e6 > thread.share * (at - last.at);
    if (over === thread.throttled) return;
    try {
      setPriority(tid, over ? lowestNice : thread.baseNice);
    } catch {
      // The thread ended between the read and now.
      this.forget(tid);
      return;
    }
    thread.throttled = over;
    this.options.onChange?.(tid, over);
  }
}

/** The calling thread's id, or undefined where threads cannot be found by id (not Linux). */
export function currentThreadId(): number | undefined {
  try {
    // Synchronous on purpose: the asynchronous call would resolve the link on a pool thread.
    const link = readlinkSync('/proc/thread-self');
    const tid = Number(link.slice(link.lastIndexOf('/') + 1));
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** Nanoseconds thread `tid` of this process has run on a CPU; undefined once it is gone. */
async function cpuTimeNs(tid: number): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/self/task/${tid}/schedstat`, 'utf8');
    const ns = Number(text.split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns : undefined;
  } catch {
    return undefined;
  }
}

/** CAP_SYS_NICE in the effective set: needed to move a thread back up after throttling it. */
function canRaisePriority(): boolean {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    return hex !== undefined && (BigInt(`0x${hex}`) & (1n << 23n)) !== 0n;
  } catch {
    return false;
  }
}
