import { describe, expect, it } from 'vitest';
import { controlFor, remoteTable } from '../../../lib/cli/kill-switch.js';

const now = new Date('2026-01-01T00:00:00Z');

describe('kill switch commands', () => {
  it('halts, or goes close-only, with the reason and who did it', () => {
    expect(controlFor('halt', { reason: 'exchange incident' }, now)).toEqual({
      mode: 'halted',
      reason: 'exchange incident',
      by: 'operator',
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(controlFor('halt', { closeOnly: true }, now)).toMatchObject({ mode: 'close-only' });
    expect(controlFor('resume', {}, now)).toMatchObject({ mode: 'active' });
  });

  it('finds the deployed table from the stage stack outputs, or takes it by name', async () => {
    const asked: string[] = [];
    const outputs = async (stack: string) => {
      asked.push(stack);
      return { StateTableName: `${stack}-StateTable123` };
    };
    expect(await remoteTable({ stage: 'prod' }, outputs)).toBe('tickfan-prod-StateTable123');
    expect(await remoteTable({}, outputs)).toBe('tickfan-dev-StateTable123');
    expect(await remoteTable({ table: 'mine' }, outputs)).toBe('mine');
    expect(asked).toEqual(['tickfan-prod', 'tickfan-dev']);
    await expect(remoteTable({ table: 'a', stage: 'b' }, outputs)).rejects.toThrow(/not both/);
  });
});
