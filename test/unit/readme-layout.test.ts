import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The README's layout table: each row's path and its description. */
function layoutRows(): { path: string; what: string }[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.split('\n## Layout\n')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `([^`]+)` \| (.+) \|$/gm)].map(([, path = '', what = '']) => ({
    path: path.replace(/\/$/, ''),
    what,
  }));
}

const folders = (dir: string): string[] =>
  readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isDirectory());

const holdsCode = (dir: string): boolean => readdirSync(dir).some((name) => name.endsWith('.ts'));

describe("the README's layout table", () => {
  const rows = layoutRows();
  const listed = new Set(rows.map((row) => row.path));

  it('names only folders that exist', () => {
    expect(rows.length).toBeGreaterThan(10);
    expect(
      rows.filter((row) => !statSync(row.path, { throwIfNoEntry: false })?.isDirectory()),
    ).toEqual([]);
  });

  it('has a row for every top-level room and every folder under lib', () => {
    const rooms = ['functions', 'infra', 'bench', 'test', ...folders('lib')];
    expect(rooms.filter((room) => !listed.has(room))).toEqual([]);
  });

  it('names every folder of code inside a room, in its own row or in its parent row', () => {
    const nested = folders('lib').flatMap(folders).filter(holdsCode);
    const unnamed = nested.filter((dir) => {
      if (listed.has(dir)) return false;
      const parent = rows.find((row) => dir.startsWith(`${row.path}/`));
      const leaf = dir.split('/').at(-1);
      return !parent?.what.includes(`\`${leaf}/\``);
    });
    expect(unnamed).toEqual([]);
  });
});
