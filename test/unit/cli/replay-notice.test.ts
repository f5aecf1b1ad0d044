import { describe, expect, it } from 'vitest';
import { replayNotice } from '../../../lib/cli/replay-notice.js';

describe('replayNotice', () => {
  it('says that a replayed result is the recorded one, when it ran, and what --rerun does', () => {
    const result = { status: 'ok', startedAt: '2018-01-20T12:05:00.250Z', replayed: true };

    expect(replayNotice(result)).toBe(
      'recorded result of the tick that ran at 2018-01-20T12:05:00.250Z; --rerun makes a fresh decision (it cannot send a second order for the same intent)',
    );
  });

  it.each([
    ['a fresh result', { status: 'ok', startedAt: '2018-01-20T12:05:00.250Z' }],
    ['a result that says it is not replayed', { replayed: false }],
    ['no object', null],
  ])('prints nothing for %s', (_, result) => {
    expect(replayNotice(result)).toBeUndefined();
  });
});
