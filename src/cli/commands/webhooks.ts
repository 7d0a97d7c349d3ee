import type { Command } from 'commander';
import { invalidInput } from '../../errors.js';
import { type GlobalOptions, withApp } from '../context.js';
import { duration, emit, table, time } from '../output.js';

const actor = 'cli';

function positiveInt(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw invalidInput([{ field, reason: 'must be an integer from 1 to 500' }]);
  return n;
}

function topicList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((t) => t.trim());
}

/** `afterword webhooks ...`: subscriptions, their deliveries, redrive and secret rotation. */
export function registerWebhookCommands(program: Command, globals: () => GlobalOptions): void {
  const webhooks = program.command('webhooks').description('webhook subscriptions and deliveries');

  webhooks
    .command('topics')
    .description('the topics an endpoint can subscribe to')
    .action(async () => {
      await withApp(globals(), async (app) => {
        const topics = app.webhooks.topics();
        emit(globals().json, { topics }, () => topics.join('\n'));
      });
    });

  webhooks
    .command('list')
    .description('webhook endpoints, oldest first')
    .option('--limit <n>', 'how many', '50')
    .option('--cursor <cursor>', 'the nextCursor of the previous page')
    .action(async (opts: { limit: string; cursor?: string }) => {
      await withApp(globals(), async (app) => {
        const page = await app.webhooks.list({ limit: positiveInt(opts.limit, '--limit'), cursor: opts.cursor });
        emit(globals().json, page, () =>
          [
            table(
              page.items.map((e) => ({
                endpoint: e.endpointId,
                url: e.url,
                topics: e.topics.join(','),
                enabled: e.enabled ? 'yes' : `no (${e.disabledReason ?? '-'})`,
                failingSince: time(e.failingSince),
                description: e.description || '-',
              })),
              ['endpoint', 'url', 'topics', 'enabled', 'failingSince', 'description'],
            ),
            ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
          ].join('\n'),
        );
      });
    });

  webhooks
    .command('create')
    .description('subscribe an endpoint; prints its signing secret, the only time it is shown')
    .argument('<url>')
    .requiredOption('--topics <list>', 'comma-separated topics (see `webhooks topics`), or *')
    .option('--description <text>')
    .option('--disabled', 'create it disabled')
    .action(async (url: string, opts: { topics: string; description?: string; disabled?: boolean }) => {
      await withApp(globals(), async (app) => {
        const created = await app.webhooks.create(
          { url, topics: topicList(opts.topics), description: opts.description, enabled: !opts.disabled },
          actor,
        );
        emit(
          globals().json,
          created,
          () =>
            `endpoint ${created.endpointId} -> ${created.url} (${created.topics.join(',')})\nsecret ${created.secret}\n(store it now: it is never shown again)`,
        );
      });
    });

  webhooks
    .command('show')
    .description('one endpoint')
    .argument('<endpointId>')
    .action(async (endpointId: string) => {
      await withApp(globals(), async (app) => {
        const e = await app.webhooks.get(endpointId);
        emit(globals().json, e, () =>
          [
            `endpoint ${e.endpointId}  ${e.enabled ? 'enabled' : `disabled (${e.disabledReason ?? '-'})`}`,
            `url ${e.url}`,
            `topics ${e.topics.join(',')}`,
            `description ${e.description || '-'}`,
            `failing since ${time(e.failingSince)}  previous secret signs until ${time(e.previousSecretExpiresAt)}`,
            `created ${time(e.createdAt)} by ${e.createdBy}`,
          ].join('\n'),
        );
      });
    });

  webhooks
    .command('update')
    .description("change an endpoint's url, topics or description")
    .argument('<endpointId>')
    .option('--url <url>')
    .option('--topics <list>', 'comma-separated topics, or *')
    .option('--description <text>')
    .action(async (endpointId: string, opts: { url?: string; topics?: string; description?: string }) => {
      await withApp(globals(), async (app) => {
        const e = await app.webhooks.update(
          endpointId,
          { url: opts.url, topics: topicList(opts.topics), description: opts.description },
          actor,
        );
        emit(globals().json, e, () => `endpoint ${e.endpointId} -> ${e.url} (${e.topics.join(',')})`);
      });
    });

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    webhooks
      .command(name)
      .description(enabled ? 'enable an endpoint again (clears its failure streak)' : 'stop delivering to an endpoint')
      .argument('<endpointId>')
      .action(async (endpointId: string) => {
        await withApp(globals(), async (app) => {
          const e = await app.webhooks.update(endpointId, { enabled }, actor);
          emit(globals().json, e, () => `endpoint ${e.endpointId} ${e.enabled ? 'enabled' : 'disabled'}`);
        });
      });
  }

  webhooks
    .command('delete')
    .description('remove an endpoint with its deliveries')
    .argument('<endpointId>')
    .action(async (endpointId: string) => {
      await withApp(globals(), async (app) => {
        const out = await app.webhooks.remove(endpointId, actor);
        emit(globals().json, out, () => `endpoint ${endpointId} deleted`);
      });
    });

  webhooks
    .command('rotate')
    .description('a new signing secret (printed once); the previous one keeps signing during the overlap')
    .argument('<endpointId>')
    .action(async (endpointId: string) => {
      await withApp(globals(), async (app) => {
        const e = await app.webhooks.rotateSecret(endpointId, actor);
        emit(
          globals().json,
          e,
          () =>
            `endpoint ${e.endpointId}: new secret ${e.secret}\nthe previous secret also signs until ${time(e.previousSecretExpiresAt)}`,
        );
      });
    });

  webhooks
    .command('deliveries')
    .description('deliveries, newest first')
    .option('--endpoint <endpointId>')
    .option('--topic <topic>')
    .option('--status <status>', 'pending | delivered | dead')
    .option('--since <time>', 'created at or after (ISO-8601 or epoch ms)')
    .option('--until <time>', 'created before (ISO-8601 or epoch ms)')
    .option('--limit <n>', 'how many', '50')
    .option('--cursor <cursor>')
    .action(
      async (opts: {
        endpoint?: string;
        topic?: string;
        status?: string;
        since?: string;
        until?: string;
        limit: string;
        cursor?: string;
      }) => {
        await withApp(globals(), async (app) => {
          const page = await app.webhooks.deliveries({
            endpointId: opts.endpoint,
            topic: opts.topic,
            status: opts.status,
            since: opts.since,
            until: opts.until,
            limit: positiveInt(opts.limit, '--limit'),
            cursor: opts.cursor,
          });
          emit(globals().json, page, () =>
            [
              table(
                page.items.map((d) => ({
                  delivery: d.deliveryId,
                  endpoint: d.endpointId,
                  topic: d.topic,
                  message: d.messageId,
                  status: d.status,
                  attempts: d.attempts,
                  next: time(d.nextAttemptAt),
                  error: d.lastError ?? '-',
                })),
                ['delivery', 'endpoint', 'topic', 'message', 'status', 'attempts', 'next', 'error'],
              ),
              ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : []),
            ].join('\n'),
          );
        });
      },
    );

  webhooks
    .command('delivery')
    .description('one delivery with its attempt log')
    .argument('<deliveryId>')
    .action(async (deliveryId: string) => {
      await withApp(globals(), async (app) => {
        const d = await app.webhooks.delivery(deliveryId);
        emit(globals().json, d, () =>
          [
            `delivery ${d.deliveryId}  ${d.topic}  ${d.status}  message ${d.messageId}  endpoint ${d.endpointId}`,
            table(
              d.log.map((a) => ({
                attempt: a.attempt,
                at: time(a.startedAt),
                outcome: a.outcome,
                status: a.statusCode ?? '-',
                latency: duration(a.latencyMs),
                error: a.error ?? '-',
                response: (a.responseExcerpt ?? '').slice(0, 60).replace(/\s+/g, ' ') || '-',
              })),
              ['attempt', 'at', 'outcome', 'status', 'latency', 'error', 'response'],
            ),
          ].join('\n'),
        );
      });
    });

  webhooks
    .command('redrive')
    .description('send dead-lettered deliveries again (same webhook-id): one by id, or all matching the filters')
    .argument('[deliveryId]')
    .option('--endpoint <endpointId>')
    .option('--topic <topic>')
    .option('--since <time>', 'created at or after (ISO-8601 or epoch ms)')
    .option('--until <time>', 'created before (ISO-8601 or epoch ms)')
    .action(
      async (deliveryId: string | undefined, opts: { endpoint?: string; topic?: string; since?: string; until?: string }) => {
        await withApp(globals(), async (app) => {
          const out = await app.webhooks.redrive(
            { deliveryId, endpointId: opts.endpoint, topic: opts.topic, since: opts.since, until: opts.until },
            actor,
          );
          emit(globals().json, out, () => `redriven ${out.redriven} deliver${out.redriven === 1 ? 'y' : 'ies'}`);
        });
      },
    );
}
