import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { findCycles, moduleOf, readSources, type SourceFile, srcDir } from './source-graph.js';

/**
 * The import rules of docs/architecture.md, checked on the sources: imports point down the
 * layers, never up and never sideways into another module of the same layer (except where
 * listed), there is no import cycle, and above the engine only the composition root names the
 * built-in engine: everything else depends on the `WorkflowEngine` port.
 */
const layers: ReadonlyArray<readonly string[]> = [
  ['cli', 'server'],
  ['demo'],
  ['app.ts', 'topic-catalogue.ts'],
  ['services'],
  ['workflow'],
  ['engine', 'temporal'],
  ['sessions', 'canon', 'delivery'],
  ['telemetry'],
  ['store'],
  ['domain'],
];

/** Modules anyone may import: they import only each other. */
const base = new Set(['errors.ts', 'clock.ts', 'config.ts', 'paths.ts', 'cursors.ts']);

/** Sideways imports within a layer that the design allows: the Temporal engine implements the engine's port. */
const sideways = new Set(['temporal->engine']);

/** What code above the engine may import from it: the port, its types, the step builder, its topics. */
const enginePort = new Set(['engine/workflow-engine.ts', 'engine/types.ts', 'engine/steps.ts', 'engine/engine-topics.ts']);

const rank = new Map(layers.flatMap((names, i) => names.map((name) => [name, layers.length - i] as const)));

function layerViolations(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const from = moduleOf(file.path);
    for (const target of file.imports) {
      const to = moduleOf(target);
      if (to === from) continue;
      if (base.has(from)) {
        if (!base.has(to)) problems.push(`${file.path} -> ${target}: ${from} is a base module and imports only base modules`);
        continue;
      }
      if (base.has(to)) continue;
      if (from === 'domain') {
        problems.push(`${file.path} -> ${target}: the domain is pure and imports nothing outside it`);
        continue;
      }
      const a = rank.get(from);
      const b = rank.get(to);
      if (a === undefined || b === undefined) {
        problems.push(`${file.path} -> ${target}: ${a === undefined ? from : to} has no layer in this test`);
      } else if (b > a) {
        problems.push(`${file.path} -> ${target}: ${from} may not import ${to} (an upward import)`);
      } else if (b === a && !sideways.has(`${from}->${to}`)) {
        problems.push(`${file.path} -> ${target}: ${from} may not import ${to} (same layer)`);
      }
    }
  }
  return problems;
}

describe('architecture: import rules', () => {
  const files = readSources();

  test('every module under src/ has a layer', () => {
    const modules = new Set(readdirSync(srcDir).filter((n) => !n.endsWith('.map')));
    const missing = [...modules].filter((m) => !rank.has(m) && !base.has(m));
    assert.deepEqual(missing, []);
  });

  test('imports point down the layers: none upward, none sideways', () => {
    assert.deepEqual(layerViolations(files), []);
  });

  test('the import graph has no cycle', () => {
    assert.deepEqual(
      findCycles(files).map((c) => c.join(' -> ')),
      [],
    );
  });

  test('above the engine, only the composition root names the built-in engine; the rest uses the port', () => {
    const problems = files.flatMap((file) => {
      const from = moduleOf(file.path);
      if (from === 'engine' || from === 'temporal' || file.path === 'app.ts') return [];
      return file.imports
        .filter((target) => moduleOf(target) === 'engine' && !enginePort.has(target))
        .map((target) => `${file.path} -> ${target}`);
    });
    assert.deepEqual(problems, []);
  });

  test('the checker sees an upward import and a cycle (it can fail)', () => {
    const planted: SourceFile[] = [
      { path: 'store/ports.ts', text: '', imports: ['workflow/closure-payload.ts'] },
      { path: 'workflow/closure-payload.ts', text: '', imports: ['store/ports.ts'] },
    ];
    assert.match(layerViolations(planted).join('\n'), /store may not import workflow \(an upward import\)/);
    assert.equal(findCycles(planted).length, 1);
  });
});
