import { describe, expect, it } from 'vitest';
import { controlEvent, controlFor } from '../../../lib/cli/kill-switch.js';

const now = new Date('2026-01-16T10:00:00Z');

describe('the kill switch event', () => {
  it('tells of a halt with its reason and who set it', () => {
    expect(controlEvent(controlFor('halt', { reason: 'mid-run' }, now))).toEqual({
      kind: 'halt',
      time: now.getTime(),
      reason: 'mid-run',
      by: 'operator',
    });
  });

  it('tells of close-only as its own event', () => {
    expect(controlEvent(controlFor('halt', { closeOnly: true }, now))).toMatchObject({
      kind: 'close-only',
      by: 'operator',
    });
  });

  it('tells nothing of a resume', () => {
    expect(controlEvent(controlFor('resume', {}, now))).toBeUndefined();
  });
});
