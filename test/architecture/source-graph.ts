import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { packageRoot } from '../../src/paths.js';

/** What the architecture tests read: the TypeScript sources under src/ and their relative imports. */
export interface SourceFile {
  /** Path relative to src/, e.g. `engine/worker.ts`. */
  path: string;
  text: string;
  /** Relative imports and re-exports (type-only ones included), resolved to paths relative to src/. */
  imports: string[];
}

export const srcDir = join(packageRoot, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const importPattern = /(?:^|\n)\s*(?:import|export)\s(?:[^'"]*?from\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;

export function readSources(): SourceFile[] {
  return walk(srcDir)
    .sort()
    .map((file) => {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(importPattern)].map((m) =>
        relative(srcDir, normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')))),
      );
      return { path: relative(srcDir, file), text, imports };
    });
}

/** A file's module: its top folder under src/, or the file itself for top-level files. */
export function moduleOf(path: string): string {
  return path.split('/')[0] as string;
}

/** Every import cycle among `files` (each as the list of files around it), found by depth-first search. */
export function findCycles(files: readonly SourceFile[]): string[][] {
  const graph = new Map(files.map((f) => [f.path, f.imports]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}
