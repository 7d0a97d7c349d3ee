import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consolidateStory, DeterministicSummariser } from '../../../src/domain/consolidation/deterministic-summariser.js';
import { actSummaryText } from '../../../src/domain/consolidation/acts.js';
import { clamp } from '../../../src/domain/consolidation/metadata-readers.js';
import { buildScene, MAX_SCENE_SUMMARY } from '../../../src/domain/consolidation/scenes.js';
import { tensionLevel } from '../../../src/domain/consolidation/tension.js';
import type { SceneSummary } from '../../../src/domain/consolidation/types.js';
import { collapseWhitespace } from '../../../src/domain/text/sentences.js';
import { sanitised, turn } from './helpers.js';

const opts = { sessionId: 'sess-1', version: 2, generatedAt: 99 };
const momentum = { current: 4, floor: -6, ceiling: 10, baseline: 2, history: [] };

function story() {
  return consolidateStory(
    sanitised(
      [
        turn('g1', 'The storm breaks over the pass.', {
          sceneId: 's1',
          actId: 'a1',
          metadata: { tension: 'calm', hooks: ['Who sent the courier?'], tags: ['war'] },
        }),
        turn('p1', 'I climb.', {
          sceneId: 's1',
          actId: 'a1',
          speaker: 'player',
          metadata: { momentumShift: 2, achievements: ['Summit'], highlightQuote: 'Up we go.' },
        }),
        turn('g2', 'Rocks fall around you.', {
          sceneId: 's1',
          actId: 'a1',
          metadata: { tension: 'crisis', hooks: ['who sent the courier? '], keyMoment: true, tags: ['war'] },
        }),
        turn('g3', 'The camp is quiet.', {
          sceneId: 's2',
          actId: 'a1',
          metadata: { unresolvedHooks: ['The missing map'], sceneTitle: 'Camp', attachments: [{ url: 'https://x/y.png' }] },
        }),
        turn('p2', 'I rest.', {
          sceneId: null,
          actId: 'a2',
          speaker: 'player',
          metadata: { debtsIncurred: ['Owes Vell'], momentumShift: -1 },
        }),
        turn('g4', 'Morning comes.', { sceneId: null, actId: 'a2', metadata: { safetyFlags: ['violence'] } }),
      ],
      { momentum, actTitles: { a1: 'The Climb' }, sceneTitles: { s1: 'The Pass' }, tags: ['survival'] },
      [
        {
          cursor: 1,
          kind: 'safety.flag',
          payload: {},
          safetyFlags: ['self-harm'],
          capabilityRefs: [],
          severity: 'critical',
          createdAt: 5,
        },
      ],
    ),
    opts,
  );
}

describe('story consolidation (spec 4)', () => {
  test('record shape and version', () => {
    const s = story();
    assert.deepEqual(
      Object.keys(s).sort(),
      [
        'actSummary',
        'attachmentsUrl',
        'generatedAt',
        'playerHighlights',
        'safetyNotes',
        'sceneBreakdown',
        'sessionId',
        'statistics',
        'version',
      ].sort(),
    );
    assert.equal(s.version, 2);
    assert.equal(s.generatedAt, 99);
    assert.deepEqual(s.attachmentsUrl, ['https://x/y.png']);
  });
  test('scenes in first-seen order; titles from turn, session, else Scene N; default scene per act', () => {
    const s = story();
    assert.deepEqual(
      s.sceneBreakdown.map((x) => x.title),
      ['The Pass', 'Camp', 'Scene 3'],
    );
    assert.equal(s.sceneBreakdown[2]?.sceneId, 'default:a2');
    assert.equal(s.sceneBreakdown[0]?.summary, 'The storm breaks over the pass. … Rocks fall around you.');
  });
  test('tension mapping, GM default steady, spikes', () => {
    const s = story();
    assert.deepEqual(s.sceneBreakdown[0]?.tension, { level: 'rising', mean: 2.5, spikes: ['g2'] });
    assert.equal(s.sceneBreakdown[1]?.tension.level, 'steady');
    assert.deepEqual(
      [tensionLevel(3.5), tensionLevel(2.49), tensionLevel(1.75), tensionLevel(1.74)],
      ['crisis', 'steady', 'steady', 'calm'],
    );
  });
  test('hooks de-duplicated; key moments', () => {
    const s = story();
    assert.deepEqual(s.sceneBreakdown[0]?.hooks.open, ['Who sent the courier?']);
    assert.deepEqual(s.sceneBreakdown[0]?.keyMoments, [{ turnId: 'g2', text: 'Rocks fall around you.' }]);
  });
  test('acts: titles from session metadata else Act N, themes, momentum arc', () => {
    const s = story();
    assert.deepEqual(
      s.actSummary.map((a) => a.title),
      ['The Climb', 'Act 2'],
    );
    assert.deepEqual(s.actSummary[0]?.dominantThemes, ['war']);
    assert.deepEqual(s.actSummary[1]?.dominantThemes, ['survival']);
    assert.deepEqual(s.actSummary[0]?.momentumArc, { start: 2, end: 4, trajectory: 'rising' });
    assert.deepEqual(s.actSummary[1]?.momentumArc, { start: 4, end: 3, trajectory: 'falling' });
    assert.deepEqual(s.actSummary[0]?.unresolvedHooks, ['The missing map']);
  });
  test('player highlights', () => {
    const s = story();
    assert.deepEqual(
      s.playerHighlights.map((h) => [h.turnId, h.achievements, h.debtsIncurred, h.quote, h.momentumChange]),
      [
        ['p1', ['Summit'], [], 'Up we go.', 2],
        ['p2', [], ['Owes Vell'], null, -1],
      ],
    );
  });
  test("safety notes keep each event's flags and severity (spec 9)", () => {
    const notes = story().safetyNotes.map((n) => [n.source, n.flags, n.severity]);
    assert.deepEqual(notes, [
      ['transcript', ['violence'], 'medium'],
      ['change-feed', ['self-harm'], 'critical'],
    ]);
  });
  test('statistics', () => {
    assert.deepEqual(story().statistics, {
      turnCount: 6,
      sceneCount: 3,
      actCount: 2,
      playerActions: 2,
      gmActions: 4,
      safetyFlags: 2,
      outstandingHooks: 2,
      momentumEvents: 2,
    });
  });
  test('deterministic and swappable behind the Summariser interface', () => {
    assert.deepEqual(story(), story());
    const fake = {
      summarise: () => ({ ...new DeterministicSummariser().summarise(sanitised([turn('a', 'x')]), opts), version: 42 }),
    };
    assert.equal(consolidateStory(sanitised([turn('a', 'x')]), opts, fake).version, 42);
  });

  test('act summary stops joining past the limit yet equals clamping the full join', () => {
    const scene = (title: string, summary: string) => ({ title, summary }) as SceneSummary;
    for (const [n, len] of [
      [0, 10],
      [1, 10],
      [3, 100],
      [4, 480],
      [12, 480],
      [2, 956],
      [2, 957],
      [1, 959],
      [1, 960],
      [1, 961],
    ] as const) {
      const scenes = Array.from({ length: n }, (_, i) => scene(`Scene ${i + 1}`, `${'x'.repeat(len - 3)}  y`));
      const full = clamp(scenes.map((s) => `${s.title}: ${s.summary}`).join(' '), 960);
      assert.equal(actSummaryText(scenes), full, `${n} scenes of ${len}`);
      for (const max of [5, 20, 21, 22])
        assert.equal(actSummaryText(scenes, max), clamp(scenes.map((s) => `${s.title}: ${s.summary}`).join(' '), max));
    }
  });
});

describe('scene summary text', () => {
  test('first and last GM lines collapse and clamp as their join does', () => {
    const long = 'The bells ring over the harbour. '.repeat(16);
    const texts = ['short', ' lead space', 'trail space ', 'tab\tand\nnewline', 'two  spaces', long, long.trim(), `${long}x`];
    const meta = sanitised([]).metadata;
    for (const a of texts)
      for (const b of texts) {
        const turns = [turn('g1', a), turn('p1', 'I wait.', { speaker: 'player' }), turn('g2', b)];
        const expected = clamp(collapseWhitespace(`${a} … ${b}`), MAX_SCENE_SUMMARY);
        assert.equal(buildScene('scene-1', turns, 0, meta).summary, expected, JSON.stringify([a, b]));
      }
  });
});
