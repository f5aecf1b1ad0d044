import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DrainProgress, progressLines } from '../../../lib/local/drain-progress.js';

/** A progress reporter on a clock the test moves, writing into `lines`. */
function reporter(everyMs = 2_000) {
  let now = 1_000_000;
  const lines: string[] = [];
  const progress = new DrainProgress({ write: (l) => lines.push(l), everyMs, now: () => now });
  return {
    progress,
    lines,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('DrainProgress', () => {
  it('stays silent through a drain shorter than a few seconds', () => {
    // Prepare
    const { progress, lines, advance } = reporter(2_000);

    // Act
    progress.update({ inFlight: 3, waitingForRetry: 1 });
    advance(1_999);
    progress.update({ inFlight: 1, waitingForRetry: 0 });
    progress.finish(true);

    // Assess
    expect(lines).toEqual([]);
  });

  it('names what it waits for once the drain has lasted a few seconds', () => {
    // Prepare
    const { progress, lines, advance } = reporter(2_000);
    progress.update({ inFlight: 3, waitingForRetry: 1 });

    // Act
    advance(2_000);
    progress.update({ inFlight: 3, waitingForRetry: 1 });

    // Assess
    expect(lines).toEqual(['draining: 3 messages in flight, 1 waiting for retry, 2 s']);
  });

  it('keeps writing a line every few seconds for as long as the drain lasts', () => {
    // Prepare
    const { progress, lines, advance } = reporter(2_000);

    // Act: a look every 250 ms for 12 s
    for (let i = 0; i <= 48; i += 1) {
      progress.update({ inFlight: 0, waitingForRetry: 2 });
      advance(250);
    }

    // Assess
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe('draining: 0 messages in flight, 2 waiting for retry, 2 s');
    expect(lines.at(-1)).toBe('draining: 0 messages in flight, 2 waiting for retry, 12 s');
  });

  it('writes nothing while nothing is left, and no closing line when it wrote nothing', () => {
    // Prepare
    const { progress, lines, advance } = reporter();

    // Act
    progress.update({ inFlight: 0, waitingForRetry: 0 });
    advance(5_000);
    progress.finish(true);

    // Assess
    expect(lines).toEqual([]);
  });

  it('closes with how long the drain took, or that it gave up', () => {
    // Prepare
    const drained = reporter();
    const abandoned = reporter();

    // Act
    for (const r of [drained, abandoned]) {
      r.advance(2_000);
      r.progress.update({ inFlight: 1, waitingForRetry: 0 });
      r.advance(144_400);
    }
    drained.progress.finish(true);
    abandoned.progress.finish(false);

    // Assess
    expect(drained.lines).toEqual([
      'draining: 1 message in flight, 0 waiting for retry, 2 s',
      'drained in 146 s',
    ]);
    expect(abandoned.lines.at(-1)).toBe('stopped draining after 146 s');
  });
});

describe('progressLines', () => {
  it('ends each line on a pipe and rewrites it in place on a terminal', () => {
    // Prepare
    const pipe = new PassThrough({ encoding: 'utf8' });
    const terminal = Object.assign(new PassThrough({ encoding: 'utf8' }), { isTTY: true });

    // Act
    progressLines(pipe)('draining: x');
    progressLines(terminal)('draining: x');

    // Assess
    expect(pipe.read()).toBe('draining: x\n');
    expect(terminal.read()).toBe('\rdraining: x\x1b[K');
  });
});
