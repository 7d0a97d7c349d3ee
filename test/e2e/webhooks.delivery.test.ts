/**
 * Webhook delivery end to end on every engine and store: a real local receiver verifies each request's
 * signature with the `standardwebhooks` library. Back-off spans hours: the tests move the
 * injected clock instead of sleeping.
 */
import assert from 'node:assert/strict';
import type { Afterword, AfterwordOptions } from '../../src/app.js';
import type { ConfigInput } from '../../src/config.js';
import { type EngineContext, forEachEngine } from '../support/engines.js';
import { AdjustableClock, demoWorld, waitFor } from '../support/harness.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const hour = 3_600_000;

/** An app whose webhooks may reach 127.0.0.1 (the receiver), on the test's clock, with workers running. */
async function webhookApp(ctx: EngineContext, webhooks: ConfigInput['webhooks'] = {}, options: AfterwordOptions = {}) {
  const clock = new AdjustableClock();
  const { app } = await ctx.app(
    {
      engine: { pollIntervalMs: 20, backoffBaseMs: 1, backoffMaxMs: 5 },
      webhooks: { allowPrivateNetworks: ['127.0.0.1'], ...webhooks },
    },
    { clock, ...options },
  );
  const receiver = await WebhookReceiver.start(clock);
  ctxReceivers.push(receiver);
  await app.startWorkers(2);
  return { app, clock, receiver };
}

const ctxReceivers: WebhookReceiver[] = [];

async function raiseAlert(app: Afterword, n: number) {
  await app.store.transact((tx) => tx.raiseAlert({ reason: 'test.webhook', severity: 'low', data: { n } }));
}

async function deliveryOf(app: Afterword, endpointId: string) {
  const { items } = await app.webhooks.deliveries({ endpointId });
  return items[0];
}

forEachEngine('webhooks: signed, durable delivery to a real receiver', (suite) => {
  suite.test('a published batch reaches the receiver with its full bundles and cards, and each overlay, signed', async (ctx) => {
    const { app, clock, receiver } = await webhookApp(ctx);
    try {
      const { secret, endpointId } = await app.webhooks.create(
        { url: receiver.url, topics: ['publish.batch.published', 'overlay.loreLink', 'session.closed'] },
        'test',
      );
      receiver.secrets = [secret];
      await app.world.importWorld(demoWorld());
      await app.sessions.upsert('wh-1', {});
      await app.sessions.appendTurns('wh-1', [{ turnId: 't1', speaker: 'gm', text: 'Harrowgate was ravaged by the storm.' }]);
      await app.coordinator.closeSession('wh-1');
      await receiver.untilReceived(1);
      const [batch] = await waitFor(async () => {
        const batches = await app.publishing.batches({ sessionId: 'wh-1' });
        return batches.length > 0 ? batches : undefined;
      }, 'the planned batch');
      clock.advance(61 * 60_000);
      const expected = 2 + (batch as { plan: { overlays: unknown[] } }).plan.overlays.length;
      const received = await receiver.untilReceived(expected);
      assert.deepEqual(
        received.map((r) => r.verifiedWith.length),
        received.map(() => 1),
        'every request verifies with the endpoint secret',
      );
      // Deliveries are concurrent jobs: they arrive in any order (receivers order by the message's data).
      const types = received.map((r) => r.message.type).sort();
      assert.deepEqual(
        types,
        ['publish.batch.published', 'session.closed', ...Array(expected - 2).fill('overlay.loreLink')].sort(),
      );
      const published = received.find((r) => r.message.type === 'publish.batch.published')?.message.data as {
        bundles: Array<{ markdown: string }>;
        cards: unknown[];
        batchId: string;
      };
      assert.ok(published.bundles.length > 0 && typeof published.bundles[0]?.markdown === 'string', 'full bundles');
      assert.equal(published.cards.length, (batch as { plan: { cards: unknown[] } }).plan.cards.length, 'full cards');
      assert.equal(new Set(received.map((r) => r.id)).size, received.length, 'one message id per message');
      await waitFor(async () => {
        const { items } = await app.webhooks.deliveries({ endpointId });
        return items.length === expected && items.every((d) => d.status === 'delivered');
      }, 'every delivery delivered');
      const delivery = await app.webhooks.delivery((await deliveryOf(app, endpointId))?.deliveryId ?? '');
      assert.equal(delivery.log.length, 1);
      assert.equal(delivery.log[0]?.statusCode, 204);
      assert.equal(delivery.log[0]?.outcome, 'delivered');
    } finally {
      for (const r of ctxReceivers.splice(0)) await r.close();
    }
  });

  suite.test(
    'a receiver failing 3 times then succeeding gets the same webhook-id 4 times; the log has 4 attempts',
    async (ctx) => {
      const { app, clock, receiver } = await webhookApp(ctx);
      try {
        const { secret, endpointId } = await app.webhooks.create({ url: receiver.url, topics: ['admin.alert'] }, 'test');
        receiver.secrets = [secret];
        receiver.respond = (r) => (r.n <= 3 ? { status: 500, body: `boom ${r.n}` } : { status: 200 });
        await raiseAlert(app, 1);
        for (let n = 1; n <= 3; n++) {
          await receiver.untilReceived(n);
          await waitFor(async () => ((await deliveryOf(app, endpointId))?.attempts ?? 0) >= n, `attempt ${n} recorded`);
          clock.advance(2 * hour);
        }
        await receiver.untilReceived(4);
        await waitFor(async () => (await deliveryOf(app, endpointId))?.status === 'delivered', 'delivered');
        assert.equal(new Set(receiver.received.map((r) => r.id)).size, 1, 'same webhook-id on every retry');
        assert.ok(receiver.received.every((r) => r.verifiedWith.length === 1));
        const delivery = await app.webhooks.delivery((await deliveryOf(app, endpointId))?.deliveryId ?? '');
        assert.deepEqual(
          delivery.log.map((a) => [a.attempt, a.statusCode, a.outcome]),
          [
            [1, 500, 'failed'],
            [2, 500, 'failed'],
            [3, 500, 'failed'],
            [4, 200, 'delivered'],
          ],
        );
        assert.equal(delivery.log[0]?.responseExcerpt, 'boom 1');
        const metrics = await app.metrics.metrics();
        assert.match(metrics, /afterword_webhook_attempts_total\{outcome="failed",dead="false"\} 3/);
        assert.match(metrics, /afterword_webhook_attempts_total\{outcome="delivered",dead="false"\} 1/);
        assert.match(metrics, /afterword_webhook_delivery_seconds_count 1/);
      } finally {
        for (const r of ctxReceivers.splice(0)) await r.close();
      }
    },
  );

  suite.test(
    'a receiver that never succeeds: retried for at least 24 h, dead-lettered, then a redrive delivers it',
    async (ctx) => {
      const { app, clock, receiver } = await webhookApp(ctx);
      try {
        const { secret, endpointId } = await app.webhooks.create({ url: receiver.url, topics: ['admin.alert'] }, 'test');
        receiver.secrets = [secret];
        receiver.respond = () => ({ status: 503 });
        await raiseAlert(app, 1);
        let attempts = 0;
        while ((await deliveryOf(app, endpointId))?.status !== 'dead') {
          attempts++;
          await receiver.untilReceived(attempts);
          await waitFor(async () => ((await deliveryOf(app, endpointId))?.attempts ?? 0) >= attempts, `attempt ${attempts}`);
          clock.advance(2 * hour);
          assert.ok(attempts < 100, 'dead-lettered eventually');
        }
        const dead = await app.webhooks.delivery((await deliveryOf(app, endpointId))?.deliveryId ?? '');
        const first = dead.log[0]?.startedAt ?? 0;
        const last = dead.log[dead.log.length - 1]?.startedAt ?? 0;
        assert.ok(last - first >= 24 * hour, `retried for ${(last - first) / hour} h`);
        assert.equal(dead.status, 'dead');
        // Redrive everything dead for this endpoint in a time range; the receiver has recovered.
        receiver.respond = () => ({ status: 200 });
        const { redriven } = await app.webhooks.redrive({ endpointId, since: dead.createdAt, until: clock.now() }, 'ops');
        assert.equal(redriven, 1);
        await waitFor(async () => (await deliveryOf(app, endpointId))?.status === 'delivered', 'delivered after redrive');
        assert.equal(new Set(receiver.received.map((r) => r.id)).size, 1, 'the redrive sends the same webhook-id');
        await assert.rejects(
          app.webhooks.redrive({ deliveryId: dead.deliveryId }, 'ops'),
          (e: unknown) => (e as { code?: string }).code === 'webhook_delivery_not_redrivable',
        );
      } finally {
        for (const r of ctxReceivers.splice(0)) await r.close();
      }
    },
    { timeout: 60_000 },
  );

  suite.test('a slow receiver times out (logged as timeout) and the retry, answered in time, delivers', async (ctx) => {
    const { app, clock, receiver } = await webhookApp(ctx, { timeoutMs: 200 });
    try {
      const { secret, endpointId } = await app.webhooks.create({ url: receiver.url, topics: ['admin.alert'] }, 'test');
      receiver.secrets = [secret];
      receiver.respond = (r) => (r.n === 1 ? { status: 200, delayMs: 5_000 } : { status: 200 });
      await raiseAlert(app, 1);
      await waitFor(async () => ((await deliveryOf(app, endpointId))?.attempts ?? 0) >= 1, 'first attempt');
      clock.advance(2 * hour);
      await waitFor(async () => (await deliveryOf(app, endpointId))?.status === 'delivered', 'delivered');
      const delivery = await app.webhooks.delivery((await deliveryOf(app, endpointId))?.deliveryId ?? '');
      assert.deepEqual(
        delivery.log.map((a) => a.outcome),
        ['timeout', 'delivered'],
      );
      assert.ok((delivery.log[0]?.latencyMs ?? 0) < 5_000, 'the attempt gave up at the timeout');
    } finally {
      for (const r of ctxReceivers.splice(0)) await r.close();
    }
  });

  suite.test('a rotated secret: both signatures during the overlap, only the new one after it', async (ctx) => {
    const { app, clock, receiver } = await webhookApp(ctx, { rotationOverlapMs: hour });
    try {
      const { secret: oldSecret, endpointId } = await app.webhooks.create({ url: receiver.url, topics: ['admin.alert'] }, 'test');
      const { secret: newSecret } = await app.webhooks.rotateSecret(endpointId, 'test');
      assert.notEqual(newSecret, oldSecret);
      receiver.secrets = [oldSecret, newSecret];
      await raiseAlert(app, 1);
      const [during] = await receiver.untilReceived(1);
      assert.deepEqual(during?.verifiedWith, [oldSecret, newSecret], 'either secret verifies during the overlap');
      assert.equal(during?.signature.split(' ').length, 2);
      clock.advance(hour + 1);
      await raiseAlert(app, 2);
      const after = (await receiver.untilReceived(2))[1];
      assert.deepEqual(after?.verifiedWith, [newSecret], 'only the new secret after the overlap');
    } finally {
      for (const r of ctxReceivers.splice(0)) await r.close();
    }
  });

  suite.test('an endpoint failing for webhooks.disableAfterMs is disabled with an admin alert', async (ctx) => {
    const { app, clock, receiver } = await webhookApp(ctx, { disableAfterMs: 3 * hour });
    try {
      const { secret, endpointId } = await app.webhooks.create({ url: receiver.url, topics: ['delta.decided'] }, 'test');
      receiver.secrets = [secret];
      receiver.respond = () => ({ status: 500 });
      await raiseAlert(app, 1); // not subscribed: nothing is sent for it
      await app.store.transact((tx) => tx.emit('world.delta.decided', { deltaId: 'd1', decision: 'approve' }));
      let attempts = 0;
      while ((await app.webhooks.get(endpointId)).enabled) {
        attempts++;
        await receiver.untilReceived(attempts);
        await waitFor(async () => ((await deliveryOf(app, endpointId))?.attempts ?? 0) >= attempts, `attempt ${attempts}`);
        clock.advance(2 * hour);
        assert.ok(attempts < 10);
      }
      const endpoint = await app.webhooks.get(endpointId);
      assert.equal(endpoint.disabledReason, 'failing');
      const alerts = await app.alerts.list({ reason: 'webhook.endpoint_disabled' });
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0]?.data.endpointId, endpointId);
      assert.ok(receiver.received.every((r) => r.message.type === 'delta.decided'));
      await waitFor(async () => (await deliveryOf(app, endpointId))?.status === 'dead', 'dead once disabled');
    } finally {
      for (const r of ctxReceivers.splice(0)) await r.close();
    }
  });

  suite.test(
    'DNS rebinding: the address is checked again at delivery and the connection goes to the checked address',
    async (ctx) => {
      // hooks.example.test answers a public address when subscribed, then 127.0.0.1 (not allowed here).
      let rebound = false;
      const dns = new Map([['receiver.test', '127.0.0.1']]);
      const { app, receiver } = await webhookApp(
        ctx,
        { allowPrivateNetworks: [] },
        {
          dnsLookup: async (host) => {
            if (host === 'hooks.example.test') return [{ address: rebound ? '127.0.0.1' : '93.184.215.14', family: 4 }];
            const address = dns.get(host);
            if (!address) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
            return [{ address, family: 4 }];
          },
        },
      );
      try {
        const port = new URL(receiver.url).port;
        const { endpointId } = await app.webhooks.create({ url: `http://hooks.example.test:${port}/hooks`, topics: ['*'] }, 't');
        await assert.rejects(
          app.webhooks.create({ url: `http://receiver.test:${port}/hooks`, topics: ['*'] }, 't'),
          (e: unknown) => (e as { code?: string }).code === 'webhook_address_refused',
          'a name resolving to loopback is refused at subscription',
        );
        rebound = true;
        await raiseAlert(app, 1);
        await waitFor(async () => ((await deliveryOf(app, endpointId))?.attempts ?? 0) >= 1, 'the refused attempt');
        const delivery = await app.webhooks.delivery((await deliveryOf(app, endpointId))?.deliveryId ?? '');
        assert.equal(delivery.log[0]?.outcome, 'address_refused');
        assert.match(delivery.log[0]?.error ?? '', /127\.0\.0\.1/);
        assert.equal(receiver.received.length, 0, 'nothing reached the loopback receiver');
      } finally {
        for (const r of ctxReceivers.splice(0)) await r.close();
      }
    },
  );

  suite.test('a host allowed by config is reached at the address that was checked, not a fresh DNS answer', async (ctx) => {
    // receiver.test does not exist in real DNS: only a connection pinned to the checked address reaches it.
    const { app, receiver } = await webhookApp(
      ctx,
      {},
      { dnsLookup: async (host) => (host === 'receiver.test' ? [{ address: '127.0.0.1', family: 4 }] : []) },
    );
    try {
      const port = new URL(receiver.url).port;
      const { secret, endpointId } = await app.webhooks.create({ url: `http://receiver.test:${port}/hooks`, topics: ['*'] }, 't');
      receiver.secrets = [secret];
      await raiseAlert(app, 1);
      const [request] = await receiver.untilReceived(1);
      assert.equal(request?.verifiedWith.length, 1);
      await waitFor(async () => (await deliveryOf(app, endpointId))?.status === 'delivered', 'delivered');
    } finally {
      for (const r of ctxReceivers.splice(0)) await r.close();
    }
  });

  suite.test('a dead delivery whose job retention pruned is still redriven, with the same webhook-id', async (ctx) => {
    const { app, clock, receiver } = await webhookApp(ctx, { retry: { retryForMs: 0 } });
    try {
      const { secret, endpointId } = await app.webhooks.create({ url: receiver.url, topics: ['admin.alert'] }, 'test');
      receiver.secrets = [secret];
      receiver.respond = (r) => (r.n === 1 ? { status: 410 } : { status: 200 });
      await raiseAlert(app, 1);
      await waitFor(async () => (await deliveryOf(app, endpointId))?.status === 'dead', 'dead after one attempt');
      const dead = await deliveryOf(app, endpointId);
      clock.advance(31 * 24 * hour);
      await app.prune();
      assert.equal(await app.engine.getJob(dead?.jobId ?? ''), null, 'the finished job was pruned');
      assert.equal((await app.webhooks.redrive({ topic: 'admin.alert' }, 'ops')).redriven, 1);
      await waitFor(async () => (await deliveryOf(app, endpointId))?.status === 'delivered', 'delivered after redrive');
      assert.deepEqual(
        receiver.received.map((r) => r.id),
        [dead?.messageId, dead?.messageId],
      );
    } finally {
      for (const r of ctxReceivers.splice(0)) await r.close();
    }
  });
});
