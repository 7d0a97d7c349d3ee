/**
 * The webhook dispatcher loses nothing and repeats nothing, on every store: events committed by
 * concurrent writers while two dispatchers (as in two worker processes) run side by side become
 * exactly one delivery per (event, endpoint), each with its message id derived from the event.
 */
import assert from 'node:assert/strict';
import { WebhookDispatcher } from '../../src/workflow/webhook-dispatcher.js';
import { forEachStore } from '../support/harness.js';

forEachStore('webhooks: the dispatcher under concurrent writers', (suite) => {
  suite.test('two dispatchers, ten writers: one delivery per event and endpoint, none lost', async (ctx) => {
    const { app } = await ctx.app({ webhooks: { allowPrivateNetworks: ['127.0.0.1'], dispatchBatchSize: 7 } });
    const endpoints = [
      await app.webhooks.create({ url: 'http://127.0.0.1:9/a', topics: ['admin.alert'] }, 't'),
      await app.webhooks.create({ url: 'http://127.0.0.1:9/b', topics: ['*'] }, 't'),
    ];
    const dispatchers = [0, 1].map(
      () =>
        new WebhookDispatcher({
          store: app.store,
          engine: app.engine,
          bus: app.bus,
          config: app.config,
          ids: app.ids,
          logger: app.logger,
        }),
    );
    let writing = true;
    const loops = dispatchers.map(async (d) => {
      while (writing) await d.dispatchOnce();
    });
    const writers = 10;
    const perWriter = 20;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++)
          await app.store.transact((tx) => tx.raiseAlert({ reason: 'test.dispatch', severity: 'low', data: { w, i } }));
      }),
    );
    writing = false;
    await Promise.all(loops);
    while (await dispatchers[0]?.dispatchOnce()) {
      // drain what the loops left
    }
    await dispatchers[0]?.dispatchOnce();
    const alertIds = (await app.eventsSince(0, { topics: ['admin.alert'] }, 10_000)).map((e) => `msg_${e.id}`).sort();
    assert.equal(alertIds.length, writers * perWriter);
    for (const endpoint of endpoints) {
      const messages: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await app.webhooks.deliveries({ endpointId: endpoint.endpointId, limit: 500, cursor });
        messages.push(...page.items.map((d) => d.messageId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(messages.sort(), alertIds, `endpoint ${endpoint.url}: every event once`);
    }
    const jobs = await app.engine.countByStatus('webhooks.delivery');
    assert.equal(jobs.queued, writers * perWriter * endpoints.length, 'one job per delivery');
  });
});
