import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const repo = resolve('.');
const depcruise = join(repo, 'node_modules', '.bin', 'depcruise');
const config = join(repo, '.dependency-cruiser.cjs');

const trees: string[] = [];
afterEach(() => {
  for (const dir of trees.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway house with the project's tsconfig and packages, holding `files`. */
function house(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tickfan-walls-'));
  trees.push(dir);
  copyFileSync(join(repo, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  copyFileSync(join(repo, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Runs the lint's wall check on a house: its exit code and what it printed. */
async function cruise(dir: string): Promise<{ code: number; out: string }> {
  const args = ['functions', 'lib', '--config', config, '--output-type', 'err'];
  try {
    const { stdout } = await exec(depcruise, args, { cwd: dir });
    return { code: 0, out: stdout };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, out: `${stdout}${stderr}` };
  }
}

const sound = {
  'lib/domain/price.ts': 'export const price = (n: number): number => n;\n',
  'lib/ports/store.ts': 'export interface Store { get(): Promise<number> }\n',
  'lib/adapters/store.ts':
    "import type { Store } from '../ports/store.js';\nexport class MemoryStore implements Store { async get() { return 1; } }\n",
  'lib/local/faults.ts': 'export const block = (): void => undefined;\n',
  'functions/trade.ts':
    "import { MemoryStore } from '../lib/adapters/store.js';\nexport const handler = () => new MemoryStore().get();\n",
};

describe('the walls npm run lint checks', () => {
  it('let a house that keeps its walls pass', async () => {
    const { code, out } = await cruise(house(sound));
    expect(out).toContain('no dependency violations found');
    expect(code).toBe(0);
  }, 60_000);

  it.each([
    [
      'domain-is-pure',
      'the domain imports an adapter',
      {
        'lib/domain/price.ts':
          "import { MemoryStore } from '../adapters/store.js';\nexport const price = () => new MemoryStore();\n",
      },
    ],
    [
      'deployed-code-has-no-local-parts',
      'a handler imports fault injection from the local runtime',
      {
        'functions/trade.ts':
          "import { block } from '../lib/local/faults.js';\nexport const handler = () => block();\n",
      },
    ],
    [
      'use-cases-get-ports',
      'a use case imports an adapter instead of getting a port',
      {
        'lib/use-cases/tick.ts':
          "import { MemoryStore } from '../adapters/store.js';\nexport const tick = () => new MemoryStore().get();\n",
      },
    ],
    [
      'no-folder-cycles',
      'two rooms import each other',
      {
        'lib/backtest/run.ts':
          "import { report } from '../report/render.js';\nexport const run = () => report();\nexport const rows = 1;\n",
        'lib/report/render.ts':
          "import { rows } from '../backtest/run.js';\nexport const report = () => rows;\n",
      },
    ],
  ])(
    'fails with %s when %s',
    async (rule, _case, broken) => {
      const { code, out } = await cruise(house({ ...sound, ...broken }));
      expect(out).toContain(`error ${rule}`);
      expect(code).not.toBe(0);
    },
    60_000,
  );
});
