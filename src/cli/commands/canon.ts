import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type GlobalOptions, withApp } from '../context.js';
import { emit, table, time } from '../output.js';
import { readJsonFile } from './sessions.js';

interface DeltaOptions {
  status?: string;
  session?: string;
  entity?: string;
  reason?: string;
  tier?: string;
}

export function registerCanonCommands(program: Command, globals: () => GlobalOptions): void {
  const world = program.command('world').description('the canonical world: import a world file, show entities');
  world
    .command('import')
    .argument('<file>', 'world file (see worlds/demo-world.json)')
    .action(async (file: string) => {
      const doc = readJsonFile(file);
      await withApp(globals(), async (app) => {
        const result = await app.world.importWorld(doc, 'cli');
        emit(globals().json, result, () =>
          [
            `world ${result.worldId} imported as version ${result.version}: ${result.entities} entities, ${result.capabilities} prohibited capabilities`,
            result.merged
              ? `merged into the canon: ${result.added} added, ${result.updated} updated, ${result.conflicts.length} conflicts (canon kept), ${result.notInFile.length} not in the file (kept)`
              : '',
            ...result.conflicts.map(
              (c) => `  conflict ${c.entityId} ${c.field}: canon ${JSON.stringify(c.canon)}, file ${JSON.stringify(c.file)}`,
            ),
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });
  world
    .command('export')
    .description('write the current canon as a world file (to stdout, or --out FILE)')
    .option('--out <file>', 'file to write')
    .action(async (opts: { out?: string }) => {
      await withApp(globals(), async (app) => {
        const file = await app.world.exportWorld();
        const text = `${JSON.stringify(file, null, 2)}\n`;
        if (opts.out) {
          writeFileSync(opts.out, text);
          emit(
            globals().json,
            { out: opts.out, entities: file.entities.length, version: file.version },
            () => `world ${file.worldId} version ${file.version} written to ${opts.out}: ${file.entities.length} entities`,
          );
        } else process.stdout.write(text);
      });
    });
  world
    .command('history')
    .description("an entity's change history, newest first (imports and applied deltas)")
    .argument('<entityId>')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'next page cursor')
    .action(async (entityId: string, opts: { limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        const page = await app.world.history(entityId, { limit: Number(opts.limit), cursor: opts.cursor });
        emit(globals().json, page, () =>
          [
            table(
              page.items.map((c) => ({
                when: time(c.changedAt),
                field: c.field,
                change: `${JSON.stringify(c.before)} -> ${JSON.stringify(c.after)}`,
                source: c.source,
                delta: c.deltaId ?? '-',
                session: c.sessionId ?? '-',
                approvedBy: c.approvedBy ?? '-',
              })),
              ['when', 'field', 'change', 'source', 'delta', 'session', 'approvedBy'],
            ),
            page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });
  world
    .command('show')
    .argument('[entityId]', 'one entity; omit to list them (a page at a time)')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'next page cursor')
    .action(async (entityId: string | undefined, opts: { limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        if (entityId) {
          const entity = await app.world.entity(entityId);
          emit(globals().json, entity, () => JSON.stringify(entity, null, 2));
          return;
        }
        const [meta, page] = await Promise.all([
          app.world.meta(),
          app.world.entityPage({ limit: Number(opts.limit), cursor: opts.cursor }),
        ]);
        const entities = page.items;
        emit(globals().json, { meta, entities, nextCursor: page.nextCursor }, () =>
          [
            meta
              ? `world ${meta.worldId} (${meta.name}) version ${meta.version}`
              : 'no world imported yet: afterword world import FILE',
            table(
              entities.map((e) => ({
                entity: e.entityId,
                type: e.entityType,
                name: e.canonicalName,
                controlledBy: e.state.controlledBy ?? '-',
                status: e.state.status ?? '-',
              })),
              ['entity', 'type', 'name', 'controlledBy', 'status'],
            ),
            page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });

  program
    .command('deltas')
    .description('the world delta queue, newest first (a page at a time)')
    .option('--status <status>', 'pending | needs-review | approved | rejected | rewrite-requested | escalated')
    .option('--session <sessionId>')
    .option('--entity <entityId>')
    .option('--reason <reason>', 'low_confidence | hedged | capability_violation | unknown_capability | conflict_detected | ...')
    .option('--tier <tier>', 'confidence tier: high | medium | low')
    .option('--limit <n>', 'rows per page', '100')
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .action(async (opts: DeltaOptions & { limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        const page = await app.moderation.page({
          status: opts.status,
          sessionId: opts.session,
          entityId: opts.entity,
          reason: opts.reason,
          confidenceTier: opts.tier,
          limit: Number(opts.limit),
          cursor: opts.cursor,
        });
        const deltas = page.items;
        emit(globals().json, { deltas, nextCursor: page.nextCursor }, () =>
          [
            table(
              deltas.map((d) => ({
                delta: d.deltaId,
                session: d.sessionId,
                entity: d.entityId,
                type: d.deltaType,
                confidence: d.confidence,
                status: d.status,
                reasons: d.safety.reasons.join(',') || '-',
                applied: d.appliedAt ? 'yes' : 'no',
              })),
              ['delta', 'session', 'entity', 'type', 'confidence', 'status', 'reasons', 'applied'],
            ),
            ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
          ].join('\n'),
        );
      });
    });

  program
    .command('decide-bulk')
    .description('decide every delta matching a filter (default: all waiting for review); --dry-run previews the count')
    .argument('<decision>', 'approve | reject | rewrite | escalate')
    .option('--session <sessionId>')
    .option('--entity <entityId>')
    .option('--reason <reason>', 'one moderation reason, e.g. low_confidence')
    .option('--tier <tier>', 'confidence tier: high | medium | low')
    .option('--older-than <minutes>', 'only deltas at least this old')
    .option('--status <status>', 'needs-review | escalated | pending (default: needs-review and escalated)')
    .option('--dry-run', 'count what would be decided, decide nothing')
    .option('--note <note>')
    .option('--by <actor>', 'who decides', 'cli')
    .action(
      async (decision: string, opts: DeltaOptions & { olderThan?: string; dryRun?: boolean; note?: string; by: string }) => {
        await withApp(globals(), async (app) => {
          const olderThanMs = opts.olderThan === undefined ? undefined : Math.round(Number(opts.olderThan) * 60_000);
          const out = await app.moderation.bulk({
            decision,
            dryRun: opts.dryRun ?? false,
            note: opts.note,
            actor: opts.by,
            filter: {
              sessionId: opts.session,
              entityId: opts.entity,
              reason: opts.reason,
              confidenceTier: opts.tier,
              olderThanMs,
              status: opts.status,
            },
          });
          emit(globals().json, out, () =>
            out.dryRun
              ? `${out.matched} delta(s) would be decided "${decision}" (nothing written; drop --dry-run to decide)`
              : `${out.decided} of ${out.matched} delta(s) decided "${decision}" (bulk ${out.bulkId}); ${out.batchesReady} batch(es) released`,
          );
        });
      },
    );

  const contested = program
    .command('contested')
    .description('contested entities: competing proposals from several sessions, one item per entity');
  contested
    .command('list', { isDefault: true })
    .option('--limit <n>', 'items per page', '50')
    .option('--cursor <cursor>')
    .action(async (opts: { limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        const page = await app.moderation.contested({ limit: Number(opts.limit), cursor: opts.cursor });
        emit(globals().json, page, () =>
          [
            ...page.items.map((item) =>
              [
                `${item.entityId} (${item.canonicalName}): ${item.proposals.length} proposals from ${item.sessions} sessions`,
                ...item.proposals.map(
                  (p) =>
                    `  ${p.deltaId}  ${p.sessionId}  ${JSON.stringify(p.values)}  [${p.reasons.join(',') || '-'}]  "${p.evidence[0] ?? ''}"`,
                ),
              ].join('\n'),
            ),
            ...(page.items.length === 0 ? ['no contested entities'] : []),
            ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
          ].join('\n'),
        );
      });
    });
  contested
    .command('decide')
    .argument('<entityId>')
    .argument('<action>', 'pick | merge | reject')
    .option('--delta <deltaId>', 'pick: the proposal kept; merge: the one the values are written on')
    .option('--set <field=json...>', 'merge: a field value as JSON, e.g. controlledBy=faction.x (a plain word is a string)')
    .option('--note <note>')
    .option('--by <actor>', 'who decides', 'cli')
    .action(async (entityId: string, action: string, opts: { delta?: string; set?: string[]; note?: string; by: string }) => {
      await withApp(globals(), async (app) => {
        const values = opts.set
          ? Object.fromEntries(
              opts.set.map((pair) => {
                const at = pair.indexOf('=');
                const raw = pair.slice(at + 1);
                let value: unknown = raw;
                try {
                  value = JSON.parse(raw);
                } catch {
                  value = raw;
                }
                return [pair.slice(0, at), value];
              }),
            )
          : undefined;
        const out = await app.moderation.decideContested(entityId, {
          action,
          deltaId: opts.delta,
          values,
          note: opts.note,
          actor: opts.by,
        });
        emit(
          globals().json,
          out,
          () =>
            `${entityId}: ${out.kept ? `kept ${out.kept.deltaId} (${out.kept.sessionId})` : 'all rejected'}; ${out.rejected.length} rejected`,
        );
      });
    });

  program
    .command('decide')
    .description('record a moderation decision on a delta')
    .argument('<deltaId>')
    .argument('<decision>', 'approve | reject | rewrite | escalate')
    .option('--note <note>')
    .option('--by <actor>', 'who decides', 'cli')
    .action(async (deltaId: string, decision: string, opts: { note?: string; by: string }) => {
      await withApp(globals(), async (app) => {
        const out = await app.moderation.decide(deltaId, { decision, actor: opts.by, note: opts.note });
        emit(
          globals().json,
          out,
          () => `delta ${deltaId}: ${out.delta.status}${out.batch ? `; batch ${out.batch.batchId} is ${out.batch.status}` : ''}`,
        );
      });
    });

  program
    .command('schedule')
    .description("a session's publishing cadence and batches; --defer-to moves its batch (at most 12 h)")
    .argument('<sessionId>')
    .option('--defer-to <time>', 'ISO-8601 time for the lore batch')
    .option('--reason <reason>')
    .action(async (sessionId: string, opts: { deferTo?: string; reason?: string }) => {
      await withApp(globals(), async (app) => {
        if (opts.deferTo) await app.publishing.override(sessionId, { batchAt: opts.deferTo, actor: 'cli', reason: opts.reason });
        const schedule = await app.publishing.schedule(sessionId);
        emit(globals().json, schedule, () =>
          [
            `moderation window ${time(schedule.cadence?.moderationWindow.opensAt)} - ${time(schedule.cadence?.moderationWindow.closesAt)}`,
            `lore batch ${time(schedule.cadence?.nextBatchAt)}  digest ${time(schedule.cadence?.nextDigestAt)}`,
            table(
              schedule.batches.map((b) => ({
                batch: b.batchId,
                status: b.status,
                scheduled: time(b.scheduledAt),
                published: time(b.publishedAt),
                bundles: b.plan.bundles.length,
                cards: b.plan.cards.length,
              })),
              ['batch', 'status', 'scheduled', 'published', 'bundles', 'cards'],
            ),
          ].join('\n'),
        );
      });
    });

  program
    .command('batches')
    .description('publishing batches, latest scheduled first, a page at a time')
    .option('--status <status>', 'awaiting_moderation | ready | published')
    .option('--session <sessionId>')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'next page cursor')
    .action(async (opts: { status?: string; session?: string; limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        const page = await app.publishing.batchPage({
          status: opts.status,
          sessionId: opts.session,
          limit: Number(opts.limit),
          cursor: opts.cursor,
        });
        emit(globals().json, page, () =>
          [
            table(
              page.items.map((b) => ({
                batch: b.batchId,
                session: b.sessionId,
                status: b.status,
                scheduled: time(b.scheduledAt),
                published: time(b.publishedAt),
              })),
              ['batch', 'session', 'status', 'scheduled', 'published'],
            ),
            page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });

  program
    .command('mentions')
    .description("a session's entity mentions in extraction order, a page at a time")
    .argument('<sessionId>')
    .option('--limit <n>', 'page size', '50')
    .option('--cursor <cursor>', 'next page cursor')
    .action(async (sessionId: string, opts: { limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        const page = await app.artefacts.mentionPage(sessionId, { limit: Number(opts.limit), cursor: opts.cursor });
        emit(globals().json, page, () =>
          [
            table(
              (page.items as Array<{ entityId: string; confidence: number; sentence: string }>).map((m) => ({
                entity: m.entityId,
                confidence: m.confidence.toFixed(2),
                sentence: m.sentence.length > 80 ? `${m.sentence.slice(0, 77)}...` : m.sentence,
              })),
              ['entity', 'confidence', 'sentence'],
            ),
            page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });

  const lore = program.command('lore').description('published lore');
  lore
    .command('search')
    .argument('<query...>')
    .option('--limit <n>', 'page size', '10')
    .option('--cursor <cursor>', 'next page cursor')
    .action(async (words: string[], opts: { limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        const page = await app.lore.searchPage(words.join(' '), { limit: Number(opts.limit), cursor: opts.cursor });
        const hits = page.items;
        emit(globals().json, { hits, nextCursor: page.nextCursor }, () =>
          [
            hits.length
              ? hits.map((h) => `${h.title}  [${h.kind} v${h.version}, ${time(h.publishedAt)}]\n  ${h.snippet}`).join('\n')
              : 'no published lore matches',
            page.nextCursor ? `more: --cursor ${page.nextCursor}` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      });
    });
}
