import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractEntities, FactIndex, sameChanges } from '../../../src/domain/extraction/extract-entities.js';
import type { ProposedChange } from '../../../src/domain/extraction/types.js';
import type { PosTagger } from '../../../src/domain/extraction/pos-tagger.js';
import type { Turn } from '../../../src/domain/types.js';
import { demoLexicon, idSource, sanitised, turn } from './helpers.js';

function extract(texts: string[] | Turn[], opts: { minConfidence?: number; tagger?: PosTagger | null } = {}) {
  const turns = texts.map((t, i) => (typeof t === 'string' ? turn(`t${i}`, t) : t));
  return extractEntities({
    sanitised: sanitised(turns, { character: { name: 'Kestrel Vane' } }),
    lexicon: demoLexicon(),
    sessionId: 'sess-1',
    newId: idSource('m'),
    ...opts,
  });
}
const byId = (r: ReturnType<typeof extract>, id: string) => r.mentions.filter((m) => m.entityId === id);

describe('matching and confidence (spec 5)', () => {
  test('canonical 0.95, alias 0.85, fuzzy 0.55', () => {
    const r = extract(['The Thalric Order rode out.', 'The Kiters were late.', 'We waited for Ashgrove at the docks.']);
    assert.equal(byId(r, 'faction.thalric-order')[0]?.confidence, 0.95);
    assert.deepEqual(byId(r, 'faction.prismwell-kite-guild')[0]?.match, { type: 'alias', value: 'Kiters' });
    assert.equal(byId(r, 'faction.prismwell-kite-guild')[0]?.confidence, 0.85);
    assert.equal(byId(r, 'character.morwen-ashgrove')[0]?.match.type, 'fuzzy');
    assert.equal(byId(r, 'character.morwen-ashgrove')[0]?.confidence, 0.55);
  });
  test('a lower-case group name that takes a world place right after its verb names the faction unnamed before', () => {
    const to = (text: string, id: string) => {
      const c = byId(extract([text]), id).flatMap((m) => m.proposedChanges)[0];
      return c?.kind === 'control' ? c.to : null;
    };
    assert.equal(to('the corsairs took Lowmarket at dawn.', 'settlement.lowmarket'), 'faction.saltmarch-corsairs');
    assert.equal(to('After the thaw the kiters took sunder pass.', 'region.sunder-gap'), 'faction.prismwell-kite-guild');
    assert.equal(byId(extract(['The corsairs took their rum in Lowmarket.']), 'faction.saltmarch-corsairs').length, 0);
    assert.equal(
      byId(extract(['Pirates and corsairs raided the coast near Lowmarket.']), 'faction.saltmarch-corsairs').length,
      0,
    );
  });
  test('a faction name of ordinary words ending in a group noun matches in lower case only after "the"', () => {
    const r = extract(['The kite guild seized Cinderhold.', 'Later the kite guild sold it.', 'A kite guild is a fine thing.']);
    const hits = byId(r, 'faction.prismwell-kite-guild');
    assert.deepEqual(
      hits.map((m) => [m.sentence, m.match.type]),
      [
        ['The kite guild seized Cinderhold.', 'alias'],
        ['Later the kite guild sold it.', 'alias'],
      ],
    );
    const change = byId(r, 'settlement.cinderhold')[0]?.proposedChanges[0];
    assert.equal(change?.kind === 'control' ? change.to : null, 'faction.prismwell-kite-guild');
  });
  test('a lower-case one-word alias or plural name head after "the" counts once the transcript has named the faction', () => {
    const r = extract([
      'At the fair the kiters flew red kites.',
      'The Prismwell Kite Guild arrived at noon.',
      'Then the kiters and the corsairs argued.',
      'The Saltmarch Corsairs sailed in.',
      'Later the corsairs left; the order and the court stayed.',
    ]);
    const sentences = (id: string) => byId(r, id).map((m) => m.sentence);
    assert.deepEqual(sentences('faction.prismwell-kite-guild'), [
      'The Prismwell Kite Guild arrived at noon.',
      'Then the kiters and the corsairs argued.',
    ]);
    assert.deepEqual(sentences('faction.saltmarch-corsairs'), [
      'The Saltmarch Corsairs sailed in.',
      'Later the corsairs left; the order and the court stayed.',
    ]);
    assert.equal(byId(r, 'faction.thalric-order').length + byId(r, 'faction.veiled-court').length, 0);
  });
  test('a one-letter typo matches fuzzily; an ambiguous or generic word does not', () => {
    const r = extract(['Scouts crossed Duskmeer Vale at dawn.', 'The guild and the order argued.']);
    assert.equal(byId(r, 'region.duskmere-vale')[0]?.match.type, 'fuzzy');
    assert.equal(r.mentions.length, 1);
  });
  test('hedging lowers confidence by 0.3 and mentions under the minimum are dropped', () => {
    const r = extract(['Rumour has it the Thalric Order marched. Reportedly the Kiters fled. Allegedly Ashgrove hid.']);
    assert.equal(byId(r, 'faction.thalric-order')[0]?.confidence, 0.65);
    assert.equal(byId(r, 'faction.prismwell-kite-guild')[0]?.confidence, 0.55);
    assert.equal(byId(r, 'character.morwen-ashgrove').length, 0);
    assert.equal(extract(['The Kiters were late.'], { minConfidence: 0.9 }).mentions.length, 0);
  });
  test('longest match wins: "Prismwell Kite Guild" is the faction, not the city', () => {
    const r = extract(['The Prismwell Kite Guild met in Prismwell.']);
    assert.deepEqual(
      r.mentions.map((m) => m.entityId),
      ['faction.prismwell-kite-guild', 'settlement.prismwell'],
    );
  });
  test('mention shape is exactly spec 5, with source and context', () => {
    const r = extract([
      turn('t7', 'Night fell. Edric Thane rode to Harrowgate. Bells rang.', { speaker: 'gm', sceneId: 'sc-2' }),
    ]);
    const m = byId(r, 'character.edric-thane')[0];
    assert.ok(m);
    assert.deepEqual(
      Object.keys(m).sort(),
      [
        'canonicalName',
        'capabilityRefs',
        'confidence',
        'context',
        'entityId',
        'entityType',
        'match',
        'mentionId',
        'proposedChanges',
        'sentence',
        'source',
      ].sort(),
    );
    assert.deepEqual(m.source, { sessionId: 'sess-1', sceneId: 'sc-2', turnId: 't7', speaker: 'gm', sentenceIndex: 1 });
    assert.deepEqual(m.context, { previous: 'Night fell.', next: 'Bells rang.' });
    assert.equal(m.sentence, 'Edric Thane rode to Harrowgate.');
  });
});

describe('change detection', () => {
  const changes = (text: string, id: string) =>
    extract([text])
      .mentions.filter((m) => m.entityId === id)
      .flatMap((m) => m.proposedChanges);
  test('control gained, with "from <faction>" as the loser', () => {
    assert.deepEqual(changes('The Iron Tithe seized the Kyther Range from the Prismwell Kite Guild.', 'region.kyther-range'), [
      { kind: 'control', field: 'controlledBy', to: 'faction.iron-tithe', from: 'faction.prismwell-kite-guild', verb: 'seized' },
    ]);
    for (const verb of ['secured', 'claimed', 'captured', 'took control of', 'liberated']) {
      assert.equal(changes(`The Veiled Court ${verb} Brackwater.`, 'settlement.brackwater')[0]?.to, 'faction.veiled-court', verb);
    }
  });
  test('control lost: lost, ceded, abandoned, retreated from; "ceded X to Y" names the gainer', () => {
    for (const verb of ['lost', 'ceded', 'abandoned', 'retreated from']) {
      const c = changes(`The Thalric Order ${verb} Harrowgate.`, 'settlement.harrowgate')[0];
      assert.deepEqual(c && c.kind === 'control' ? [c.to, c.from] : null, [null, 'faction.thalric-order'], verb);
    }
    const c = changes('The Emberwright Compact ceded Cinderhold to the Iron Tithe.', 'settlement.cinderhold')[0];
    assert.deepEqual(c && c.kind === 'control' ? [c.to, c.from] : null, ['faction.iron-tithe', 'faction.emberwright-compact']);
  });
  test('passive voice and "fell to"', () => {
    assert.equal(
      changes('Lowmarket was captured by the Saltmarch Corsairs.', 'settlement.lowmarket')[0]?.to,
      'faction.saltmarch-corsairs',
    );
    assert.equal(changes('At dusk Saint Orrin fell to the Iron Tithe.', 'settlement.saint-orrin')[0]?.to, 'faction.iron-tithe');
  });
  test('an adverb inside a verb phrase, a parenthetical before the agent, "since <moment>" (issue 14)', () => {
    const to = (text: string, id: string) => {
      const c = changes(text, id)[0];
      return c?.kind === 'control' ? c.to : undefined;
    };
    assert.equal(to('Saint Orrin surrendered quietly to the Iron Tithe.', 'settlement.saint-orrin'), 'faction.iron-tithe');
    assert.equal(
      to('The Kyther Range passed quietly into the hands of the Iron Tithe.', 'region.kyther-range'),
      'faction.iron-tithe',
    );
    assert.equal(
      to('The Sunder Gap came swiftly under the control of the Iron Tithe.', 'region.sunder-gap'),
      'faction.iron-tithe',
    );
    assert.equal(
      to(
        'Harrowgate was taken, after three days of fighting in the lower streets, by the Saltmarch Corsairs.',
        'settlement.harrowgate',
      ),
      'faction.saltmarch-corsairs',
    );
    assert.equal(
      to('Prismwell has been in the hands of the Lanternbound Choir since midwinter.', 'settlement.prismwell'),
      'faction.lanternbound-choir',
    );
    assert.equal(
      to("By dawn the Iron Tithe's banners were flying over Harrowgate.", 'settlement.harrowgate'),
      'faction.iron-tithe',
    );
    assert.equal(to('Lowmarket got overrun by the Saltmarch Corsairs.', 'settlement.lowmarket'), 'faction.saltmarch-corsairs');
    assert.equal(
      to('Harrowgate fell, at last, to the Emberwright Compact.', 'settlement.harrowgate'),
      'faction.emberwright-compact',
    );
    assert.equal(to('Harrowgate came into the possession of the Iron Tithe.', 'settlement.harrowgate'), 'faction.iron-tithe');
    assert.equal(
      to('Harrowgate was besieged, stormed and finally taken by the Iron Tithe.', 'settlement.harrowgate'),
      'faction.iron-tithe',
    );
    assert.equal(to("By spring Harrowgate was in the Iron Tithe's possession.", 'settlement.harrowgate'), 'faction.iron-tithe');
    const hasItNow = extract(['"Lowmarket is gone," Vell says. "The Iron Tithe has it now."']).mentions.find(
      (m) => m.entityId === 'settlement.lowmarket' && m.proposedChanges.length > 0,
    );
    assert.equal(hasItNow?.proposedChanges[0]?.kind === 'control' && hasItNow.proposedChanges[0].to, 'faction.iron-tithe');
    assert.equal(hasItNow?.hedged, true, 'said in dialogue');
    // how things have long stood, or did not happen: no change
    for (const text of [
      'Prismwell has been in the hands of the Lanternbound Choir for a century.',
      'Prismwell has been in the possession of the Lanternbound Choir for a century.',
      'The Iron Tithe got Prismwell wrong in every report.',
      'The defenders of Prismwell were tired and taken by surprise by the Iron Tithe.',
      'Prismwell has been in the hands of the Lanternbound Choir since the founding of the city.',
      'Prismwell has not been in the hands of the Lanternbound Choir since midwinter.',
      'Saint Orrin never surrendered quietly to the Iron Tithe.',
      'Harrowgate was taken, the heralds said, without the Corsairs ever landing.',
    ])
      assert.deepEqual(
        [
          ...changes(text, 'settlement.prismwell'),
          ...changes(text, 'settlement.saint-orrin'),
          ...changes(text, 'settlement.harrowgate'),
        ].filter((c) => c.kind === 'control' && c.to !== null),
        [],
        text,
      );
  });
  test('an elliptical clause repeats the change before it; a gapped one with its own taker (issue 14)', () => {
    const tos = (text: string) =>
      ['settlement.lowmarket', 'settlement.harrowgate'].map((id) => {
        const c = changes(text, id)[0];
        return c?.kind === 'control' ? c.to : (c?.to ?? null);
      });
    const tithe = ['faction.iron-tithe', 'faction.iron-tithe'];
    assert.deepEqual(tos('Lowmarket fell to the Iron Tithe, as did Harrowgate.'), tithe);
    assert.deepEqual(tos('Lowmarket fell to the Iron Tithe, and so did Harrowgate.'), tithe);
    assert.deepEqual(tos('The Iron Tithe took not just Lowmarket but Harrowgate too.'), tithe);
    assert.deepEqual(tos('Lowmarket fell to the Iron Tithe; Harrowgate soon followed.'), tithe);
    assert.deepEqual(tos('The Iron Tithe took Lowmarket; the Corsairs, Harrowgate.'), [
      'faction.iron-tithe',
      'faction.saltmarch-corsairs',
    ]);
    assert.deepEqual(tos('The Iron Tithe took Lowmarket, and the Corsairs Harrowgate.'), [
      'faction.iron-tithe',
      'faction.saltmarch-corsairs',
    ]);
    assert.deepEqual(tos('The Corsairs burned Lowmarket, as they did Harrowgate.')[0], 'devastated');
    // nothing to repeat, or the clause says otherwise
    assert.deepEqual(tos('Lowmarket fell to the Iron Tithe, but Harrowgate did not.'), ['faction.iron-tithe', null]);
    assert.deepEqual(tos('The Iron Tithe holds Lowmarket; the Corsairs, Harrowgate.'), [null, null]);
    assert.deepEqual(tos("Lowmarket fell to the Iron Tithe, as did Harrowgate's walls."), ['faction.iron-tithe', null]);
    // a joint subject names no one gainer; "respectively" and "the latter" do
    assert.deepEqual(tos('The Corsairs and the Iron Tithe between them took Lowmarket and Harrowgate.'), [null, null]);
    assert.deepEqual(tos('The Corsairs and the Iron Tithe took Lowmarket and Harrowgate respectively.'), [
      'faction.saltmarch-corsairs',
      'faction.iron-tithe',
    ]);
    assert.deepEqual(
      tos('The Corsairs and the Iron Tithe clashed, and by nightfall the latter had taken Lowmarket.')[0],
      'faction.iron-tithe',
    );
    // a time between list items, bare or set off by commas after "and"
    assert.deepEqual(tos('The Iron Tithe captured Lowmarket and, a week later, Harrowgate.'), tithe);
    assert.deepEqual(tos('Lowmarket, and soon after Harrowgate, fell to the Iron Tithe.'), tithe);
    assert.deepEqual(tos('The Iron Tithe took Lowmarket and later Harrowgate.'), tithe);
    // a list closed by a colon or dash and gathered ("all", "each")
    assert.deepEqual(tos('Lowmarket, Harrowgate: all fell to the Iron Tithe.'), tithe);
    assert.deepEqual(tos('Lowmarket, Harrowgate — each fell to the Iron Tithe before the snows.'), tithe);
    assert.deepEqual(tos('By the time they reached Lowmarket, Harrowgate: all was lost to the Iron Tithe.'), [
      null,
      'faction.iron-tithe',
    ]);
  });
  test('a change told as a noun with its taker: "the fall of X to Y", "the capture of X by Y", "X\'s fall to Y"', () => {
    const to = (text: string) => {
      const c = changes(text, 'settlement.lowmarket')[0];
      return c?.kind === 'control' ? c.to : null;
    };
    assert.equal(to('The capture of Lowmarket by the Iron Tithe shocked everyone in Prismwell.'), 'faction.iron-tithe');
    assert.equal(to("Since Lowmarket's fall to the Iron Tithe, the river has been quiet."), 'faction.iron-tithe');
    for (const text of [
      'The Court must prevent the fall of Lowmarket to the Iron Tithe.',
      'They feared the capture of Lowmarket by the Iron Tithe.',
      'The fall of Lowmarket to the Iron Tithe would ruin us.',
      'Did the fall of Lowmarket to the Iron Tithe surprise you?',
      "The capture of Lowmarket's harbourmaster by the Iron Tithe angered the Court.",
      'The fall of Lowmarket was a long time coming.',
    ])
      assert.equal(to(text), null, text);
  });
  test('negations and attempts produce no change', () => {
    for (const text of [
      'The Iron Tithe did not seize the Kyther Range.',
      'The Iron Tithe failed to capture the Kyther Range.',
      'The Iron Tithe never captured the Kyther Range.',
      'The Iron Tithe tried to take control of the Kyther Range.',
      'The Iron Tithe marched to seize the Kyther Range.',
    ])
      assert.deepEqual(changes(text, 'region.kyther-range'), [], text);
  });
  test('a negation in an earlier clause does not cancel a later verb', () => {
    assert.equal(changes('The Iron Tithe did not hesitate, and seized the Kyther Range.', 'region.kyther-range').length, 1);
  });
  test('region status: threatened, devastated, stable', () => {
    const status = (text: string, id: string) => changes(text, id).find((c) => c.kind === 'status')?.to;
    assert.equal(status('Duskmere Vale is under threat.', 'region.duskmere-vale'), 'threatened');
    assert.equal(status('The Ashen Steppe was ravaged by fire.', 'region.ashen-steppe'), 'devastated');
    assert.equal(status('Harrowgate lies ruined.', 'settlement.harrowgate'), 'devastated');
    assert.equal(status('Harrowgate was put to the torch by the Corsairs.', 'settlement.harrowgate'), 'devastated');
    assert.equal(status('The Corsairs torched Harrowgate.', 'settlement.harrowgate'), 'devastated');
    assert.equal(status('The Corsairs torched the granaries outside Harrowgate.', 'settlement.harrowgate'), undefined);
    assert.equal(status('By spring the Glasswater Fens were stabilised.', 'region.glasswater-fens'), 'stable');
    assert.equal(status('At last Brackwater was secured.', 'settlement.brackwater'), 'stable');
    assert.equal(status('Brackwater was not ravaged.', 'settlement.brackwater'), undefined);
    assert.equal(status('The Iron Tithe threatened to burn Brackwater.', 'settlement.brackwater'), undefined);
  });
  test('the same fact seen twice keeps the higher-confidence mention', () => {
    const r = extract(['Rumour says the Iron Tithe seized Lowmarket.', 'The Iron Tithe seized Lowmarket.']);
    const ms = byId(r, 'settlement.lowmarket');
    assert.equal(ms.length, 1);
    assert.equal(ms[0]?.confidence, 0.95);
    assert.equal(ms[0]?.source.turnId, 't1');
  });
  test("a player's claim the GM confirms is the GM's change; one the GM denies or ignores is none", () => {
    const claim = turn('t0', 'Did the Kite Guild take Cinderhold?', { speaker: 'player' });
    const changeOf = (answer: string) =>
      byId(extract([claim, turn('t1', answer)]), 'settlement.cinderhold').filter((m) => m.proposedChanges.length > 0);
    const confirmed = changeOf('They did. The smiths never saw the gliders coming.');
    assert.equal(confirmed.length, 1);
    assert.deepEqual(confirmed[0]?.proposedChanges[0], {
      kind: 'control',
      field: 'controlledBy',
      to: 'faction.prismwell-kite-guild',
      from: null,
      verb: 'take',
    });
    assert.deepEqual(
      [confirmed[0]?.source.speaker, confirmed[0]?.source.turnId, confirmed[0]?.sentence],
      ['gm', 't1', 'They did.'],
    );
    assert.equal(confirmed[0]?.context.previous, 'Did the Kite Guild take Cinderhold?');
    for (const answer of ['No. The gliders burned before they reached the walls.', 'The smiths are hammering.', 'Did they?'])
      assert.deepEqual(
        changeOf(answer).flatMap((m) => m.proposedChanges),
        [],
        answer,
      );
  });
});

describe('prohibited capabilities', () => {
  test('named capabilities carry id and severity', () => {
    const r = extract(['Sera Quillon raised the scout from the dead.']);
    assert.deepEqual(byId(r, 'character.sera-quillon')[0]?.capabilityRefs, [
      { capabilityId: 'capability.resurrection', severity: 'high', known: true, matchedText: 'from the dead' },
    ]);
  });
  test('a capability in a sentence without entities attaches to the turn, then the scene; else it is kept visible', () => {
    const r = extract([
      turn('a', 'Edric Thane knelt.'),
      turn('b', 'Then someone turned back time.'),
      turn('c', 'They teleported.', { sceneId: 'other' }),
    ]);
    assert.deepEqual(
      byId(r, 'character.edric-thane')[0]?.capabilityRefs.map((c) => c.capabilityId),
      ['capability.time-travel'],
    );
    assert.deepEqual(
      r.unattachedCapabilityRefs.map((u) => u.ref.capabilityId),
      ['capability.teleportation'],
    );
  });
  test('unknown capability ids from metadata are flagged, not dropped', () => {
    const r = extract([turn('a', 'Ysolde Marrow smiled.', { metadata: { capabilityRefs: ['capability.dream-walking'] } })]);
    assert.deepEqual(byId(r, 'character.ysolde-marrow')[0]?.capabilityRefs, [
      { capabilityId: 'capability.dream-walking', severity: 'unknown', known: false, matchedText: null },
    ]);
  });
});

describe('new-entity candidates (capitalisation spans; wink-nlp on request)', () => {
  test('unknown proper names become typed candidates; the player character and lexicon names do not', () => {
    const r = extract([
      'Captain Veyla Strand of the Silver Hand met Kestrel Vane near the Kyther Range.',
      'They rode on to the Orlen Vale and the Thornmarket Keep.',
      'Envoys of the Ashen-Eyed Wardens carried the Moonlit Codex.',
    ]);
    const got = Object.fromEntries(r.candidates.map((c) => [c.name, c.entityType]));
    assert.deepEqual(got, {
      'Veyla Strand': 'character',
      'Silver Hand': 'faction',
      'Orlen Vale': 'region',
      'Thornmarket Keep': 'settlement',
      'Ashen-Eyed Wardens': 'faction',
      'Moonlit Codex': 'artifact',
    });
    const veyla = r.candidates.find((c) => c.name === 'Veyla Strand');
    assert.equal(veyla?.typeCue, 'Captain');
    assert.equal(veyla?.proposedEntityId, 'character.veyla-strand');
    assert.ok((veyla?.confidence ?? 0) < 0.95);
  });
  test('the pre-filter keeps ordinary and fully matched sentences away from the tagger', () => {
    let calls = 0;
    const tagger: PosTagger = {
      tag: () => {
        calls++;
        return [];
      },
    };
    extract(['The Thalric Order rode to Harrowgate.', 'I keep quiet and watch.', 'Old Vell laughed.', 'Strangers came.'], {
      tagger,
    });
    assert.equal(calls, 0);
    extract(['The Thalric Order met Veyla Strand.'], { tagger });
    assert.equal(calls, 1);
  });
  test('tagger: null disables candidates (the no-NER baseline)', () => {
    assert.equal(extract(['Captain Veyla Strand arrived.'], { tagger: null }).candidates.length, 0);
  });
  test('repeat sightings raise confidence, capped', () => {
    const r = extract(['We met Veyla Strand.', 'Later, Veyla Strand left.', 'Nobody trusts Veyla Strand.']);
    const c = r.candidates[0];
    assert.equal(c?.occurrences, 3);
    assert.equal(c?.confidence, 0.65);
  });
  test('sentence and quotation openers are not names; an opener the transcript also writes in lower case is dropped', () => {
    const r = extract([
      '"Tell Veyla Strand the road is open," she says.',
      'Beyond Orlen Reach the carts move slowly.',
      'Grimly Thessaly Marr counts the coins.',
      'She counts them grimly, twice.',
    ]);
    assert.deepEqual(r.candidates.map((c) => c.name).sort(), ['Orlen Reach', 'Thessaly Marr', 'Veyla Strand']);
  });
  test('an opener the transcript writes in lower case before it opens a name is dropped too', () => {
    // The lower-case use may come first: the check reads the whole transcript's vocabulary.
    const r = extract(['She counts them grimly, twice.', 'Grimly Thessaly Marr counts the coins.']);
    assert.deepEqual(
      r.candidates.map((c) => c.name),
      ['Thessaly Marr'],
    );
  });
  test('"of" names stay whole; punctuation between two words ends a name; titles split off', () => {
    const r = extract([
      'They signed the Treaty of Reeds at dawn.',
      'We buried three of ours at the Oath of Neirias.',
      '"To Orlen Ford," Veyla Strand says.',
      'At the gate stands Old Toroun Cyr.',
    ]);
    assert.deepEqual(r.candidates.map((c) => c.name).sort(), [
      'Oath of Neirias',
      'Orlen Ford',
      'Toroun Cyr',
      'Treaty of Reeds',
      'Veyla Strand',
    ]);
  });
  test('a distinct sentence is scanned once per transcript, and the POS path is still available', () => {
    let calls = 0;
    const tagger: PosTagger = {
      tag: (s) => {
        calls++;
        return s.split(' ').map((text) => ({ text, pos: 'PROPN' }));
      },
    };
    const r = extract(['The Thalric Order met Veyla Strand.', 'The Thalric Order met Veyla Strand.'], { tagger });
    assert.equal(calls, 1);
    assert.equal(r.candidates[0]?.occurrences, 2);
  });
});

describe('FactIndex (same fact, same entity)', () => {
  test('sameChanges agrees with comparing JSON; the index finds the first position', () => {
    const changes: ProposedChange[][] = [
      [],
      [{ kind: 'control', field: 'controlledBy', to: 'faction.a', from: null, verb: 'seized' }],
      [{ kind: 'control', field: 'controlledBy', to: 'faction.a', from: 'faction.b', verb: 'seized' }],
      [{ kind: 'control', field: 'controlledBy', to: null, from: 'faction.a', verb: 'seized' }],
      [{ kind: 'control', field: 'controlledBy', to: 'faction.a', from: null, verb: 'captured' }],
      [{ kind: 'status', field: 'status', to: 'threatened', cue: 'besieged' }],
      [{ kind: 'status', field: 'status', to: 'stable', cue: 'besieged' }],
      [{ kind: 'status', field: 'status', to: 'threatened', cue: 'under siege' }],
      [
        { kind: 'control', field: 'controlledBy', to: 'faction.a', from: null, verb: 'seized' },
        { kind: 'status', field: 'status', to: 'threatened', cue: 'besieged' },
      ],
    ];
    for (const a of changes)
      for (const b of changes) {
        assert.equal(sameChanges(a, structuredClone(b)), JSON.stringify(a) === JSON.stringify(b));
      }
    const index = new FactIndex();
    changes.forEach((c, i) => {
      index.add('region.x', c, i);
    });
    changes.forEach((c, i) => {
      assert.equal(index.find('region.x', structuredClone(c)), i);
    });
    assert.equal(index.find('region.y', changes[1] as ProposedChange[]), undefined);
  });
});

describe('precomputed annotations (metadata.entities)', () => {
  test('an annotated span resolves to a world entity, says so, and feeds change detection', () => {
    const text = 'By dawn the tidewrights had seized Harrowgate.';
    const r = extract([
      turn('t1', text, {
        metadata: { entities: [{ name: 'tidewrights', type: 'ORG', span: [12, 23], entityId: 'faction.emberwright-compact' }] },
      }),
    ]);
    const m = r.mentions.find((x) => x.entityId === 'faction.emberwright-compact');
    assert.deepEqual(m?.match, { type: 'annotation', value: 'tidewrights' });
    assert.equal(m?.confidence, 0.9);
    const gate = r.mentions.find((x) => x.entityId === 'settlement.harrowgate');
    assert.equal(gate?.proposedChanges[0]?.kind === 'control' && gate.proposedChanges[0].to, 'faction.emberwright-compact');
  });
  test('an unknown annotated name is a typed candidate marked annotated, even in lower case; a known name resolves by name', () => {
    const r = extract([
      turn('t1', 'old jory waved at the Iron Tithe from the quay.', {
        metadata: {
          entities: [
            { name: 'old jory', type: 'PERSON' },
            { name: 'Iron Tithe', type: 'ORG', span: [22, 32] },
          ],
        },
      }),
    ]);
    const jory = r.candidates.find((c) => c.name === 'old jory');
    assert.equal(jory?.entityType, 'character');
    assert.equal(jory?.annotated, true);
    assert.equal(jory?.typeCue, 'annotation');
    assert.equal(r.mentions.find((m) => m.entityId === 'faction.iron-tithe')?.match.type, 'annotation');
  });
});

describe('reported claims and their denial (issue 14)', () => {
  const player = (id: string, text: string) => turn(id, text, { speaker: 'player' });
  const changesOf = (r: ReturnType<typeof extract>, id: string) => byId(r, id).flatMap((m) => m.proposedChanges);
  test('a reporting verb in any form hedges the claim ("claims", "insisting", "has sworn")', () => {
    for (const s of [
      'A drunk sailor claims the Lanternbound Choir captured Brackwater.',
      'The bargeman keeps insisting the Choir captured Brackwater.',
      'The harbourmaster has sworn the Choir captured Brackwater.',
      'Word has come up the river that the Choir captured Brackwater.',
    ]) {
      const m = byId(extract([s]), 'settlement.brackwater').find((x) => x.proposedChanges.length > 0);
      assert.equal(m?.hedged, true, s);
    }
  });
  test('a report the GM denies after the player asks about it proposes nothing; a yes or an unrelated question leaves it', () => {
    const rumour = 'The pedlars swear the Iron Tithe has burned Saint Orrin to the ground.';
    const denied = extract([turn('t1', rumour), player('t2', 'Is it true?'), turn('t3', 'No. The shrine town is whole.')]);
    assert.deepEqual(changesOf(denied, 'settlement.saint-orrin'), []);
    assert.equal(byId(denied, 'settlement.saint-orrin').length, 1, 'still a mention');
    const beat = extract([turn('t1', rumour), player('t2', 'Really?'), turn('t3', 'The old man spits. "Lies."')]);
    assert.deepEqual(changesOf(beat, 'settlement.saint-orrin'), []);
    const yes = extract([turn('t1', rumour), player('t2', 'Is it true?'), turn('t3', 'Yes. Nothing is left of it.')]);
    assert.equal(changesOf(yes, 'settlement.saint-orrin').length, 1);
    const other = extract([turn('t1', rumour), player('t2', 'Did the Kite Guild take Lowmarket?'), turn('t3', 'No.')]);
    assert.equal(changesOf(other, 'settlement.saint-orrin').length, 1, 'the question was about another place');
    const fact = extract([turn('t1', 'The Iron Tithe burned Saint Orrin.'), player('t2', 'Is it true?'), turn('t3', 'No.')]);
    assert.equal(changesOf(fact, 'settlement.saint-orrin').length, 1, 'the narrator said it: not a report');
  });
  test('a noun of report with its that-clause, word brought, a belief: hedged; a doubted report: none', () => {
    for (const s of [
      'There is talk that the Iron Tithe took Lowmarket.',
      'Scouts bring word that the Corsairs have seized Lowmarket.',
      'The guards are convinced the Iron Tithe took Lowmarket.',
    ]) {
      const m = byId(extract([s]), 'settlement.lowmarket').find((x) => x.proposedChanges.length > 0);
      assert.equal(m?.hedged, true, s);
    }
    assert.deepEqual(changesOf(extract(['The fishermen doubt the Corsairs ever took Lowmarket.']), 'settlement.lowmarket'), []);
  });
  test('a report the narrator calls wrong (after "but", in the next sentence, or opening the next GM turn) proposes nothing', () => {
    const report = 'The ferrymen say the Corsairs took Lowmarket';
    for (const turns of [
      [turn('t1', `${report}, but they are wrong: the Court still holds it.`)],
      [turn('t1', `${report}. They're mistaken. The Court still holds the town.`)],
      [turn('t1', `${report}.`), turn('t2', 'It is not true. The Court still holds the town.')],
      [turn('t1', `${report}.`), turn('t2', 'But the rumours are false, and the Court still holds the town.')],
    ])
      assert.deepEqual(changesOf(extract(turns), 'settlement.lowmarket'), [], turns.map((t) => t.text).join(' / '));
    // not a denial: a report followed by more narration, or "wrong" about something else
    for (const turns of [
      [turn('t1', `${report}.`), turn('t2', 'They are right. Corsair flags fly over the town.')],
      [turn('t1', `${report}, but the price of salt is wrong.`)],
    ])
      assert.equal(changesOf(extract(turns), 'settlement.lowmarket').length, 1, turns.map((t) => t.text).join(' / '));
  });
  test('a who-question answered by a faction alone, with a pro-verb or in a cleft gives the place to that faction', () => {
    const to = (q: string, a: string) => {
      const c = changesOf(extract([player('t1', q), turn('t2', a)]), 'settlement.lowmarket')[0];
      return c?.kind === 'control' ? c.to : null;
    };
    assert.equal(to('Who holds Lowmarket now?', 'The Iron Tithe.'), 'faction.iron-tithe');
    assert.equal(to('Who took Lowmarket?', 'The Iron Tithe did, three nights ago.'), 'faction.iron-tithe');
    assert.equal(to('Who took Lowmarket?', 'It was the Corsairs.'), 'faction.saltmarch-corsairs');
    assert.equal(to('Who took Lowmarket?', 'The Iron Tithe holds it.'), 'faction.iron-tithe');
    // a state, a future, an answer that says more, or no faction: nothing
    assert.equal(to('Who holds Lowmarket?', 'The Veiled Court, as always.'), null);
    assert.equal(to('Who will take Lowmarket?', 'The Iron Tithe.'), null);
    assert.equal(to('Who took Lowmarket?', 'The Iron Tithe tried, but failed.'), null);
    assert.equal(to('Who took Lowmarket?', 'Nobody knows.'), null);
  });
  test('a confirming answer that adds a place ("Yes, and Harrowgate too.") gives it the confirmed change', () => {
    const claim = player('t1', 'Did the Iron Tithe take Lowmarket?');
    const to = (answer: string, id: string) => {
      const c = changesOf(extract([claim, turn('t2', answer)]), id)[0];
      return c?.kind === 'control' ? c.to : null;
    };
    assert.equal(to('Yes, and Harrowgate too.', 'settlement.harrowgate'), 'faction.iron-tithe');
    assert.equal(to('They did, and the Sunder Gap as well.', 'region.sunder-gap'), 'faction.iron-tithe');
    assert.equal(to('No, and Harrowgate too is safe.', 'settlement.harrowgate'), null);
    assert.equal(to('Yes. Harrowgate is quiet too.', 'settlement.harrowgate'), null);
  });
  test('a confirmation opening with a contraction ("It\'s true.", "That\'s right.") confirms the player\'s claim', () => {
    for (const answer of ["It's true.", 'That’s right, they did.']) {
      const r = extract([player('t1', 'Did the Iron Tithe seize the Sunder Pass?'), turn('t2', answer)]);
      assert.equal(
        changesOf(r, 'region.sunder-gap')[0]?.kind === 'control' && changesOf(r, 'region.sunder-gap')[0]?.to,
        'faction.iron-tithe',
        answer,
      );
    }
  });
});
