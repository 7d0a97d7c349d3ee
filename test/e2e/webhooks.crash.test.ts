/**
 * At least once across a crash, on every store: the worker process is SIGKILLed while the
 * receiver holds its request open; another worker takes the delivery job over when its lease
 * expires and sends the same message again, with the same webhook-id, signed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AdjustableClock, forEachStore, waitFor } from '../support/harness.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const childScript = fileURLToPath(new URL('./fixtures/webhook-worker-child.js', import.meta.url));

function spawnWorker(config: unknown): { child: ChildProcess; started: Promise<void>; exited: Promise<NodeJS.Signals | null> } {
  const child = fork(childScript, [], {
    env: { ...process.env, AFTERWORD_CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const started = new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type?: string }) => m.type === 'started' && resolve());
    void exited.then(() => reject(new Error('the worker exited before it started')));
  });
  started.catch(() => undefined);
  return { child, started, exited };
}

forEachStore('webhooks: a worker SIGKILLed mid-delivery', (suite) => {
  suite.test(
    'the delivery survives: delivered at least once after the crash, with the same webhook-id',
    async (ctx) => {
      const clock = new AdjustableClock();
      const { app } = await ctx.app(
        {
          engine: { leaseMs: 1_000, heartbeatMs: 60_000, pollIntervalMs: 20 },
          webhooks: { allowPrivateNetworks: ['127.0.0.1'] },
        },
        { clock },
      );
      const receiver = await WebhookReceiver.start();
      let worker: ReturnType<typeof spawnWorker> | undefined;
      try {
        const { secret, endpointId } = await app.webhooks.create({ url: receiver.url, topics: ['admin.alert'] }, 'test');
        receiver.secrets = [secret];
        receiver.respond = (r) => (r.n === 1 ? 'hang' : { status: 200 });
        worker = spawnWorker(app.config);
        await worker.started;
        await app.store.transact((tx) => tx.raiseAlert({ reason: 'test.crash', severity: 'low' }));
        const [first] = await receiver.untilReceived(1, 20_000);
        worker.child.kill('SIGKILL');
        assert.equal(await worker.exited, 'SIGKILL');
        worker = undefined;
        const [before] = (await app.webhooks.deliveries({ endpointId })).items;
        assert.equal(before?.status, 'pending', 'not delivered yet: the worker died mid-request');
        // The dead worker's lease runs out (moved forward, not waited for); this process takes the job over.
        clock.advance(5_000);
        await app.startWorkers(1);
        const received = await receiver.untilReceived(2, 20_000);
        await waitFor(
          async () => (await app.webhooks.deliveries({ endpointId })).items[0]?.status === 'delivered',
          'delivered after the crash',
        );
        assert.equal(received[1]?.id, first?.id, 'the same webhook-id after the crash');
        assert.ok(
          received.every((r) => r.verifiedWith.length === 1),
          'both requests are signed',
        );
        const delivery = await app.webhooks.delivery(before?.deliveryId ?? '');
        assert.deepEqual(
          delivery.log.map((a) => a.outcome),
          ['delivered'],
          'the killed attempt left no log entry',
        );
      } finally {
        worker?.child.kill('SIGKILL');
        await receiver.close();
      }
    },
    { timeout: 60_000 },
  );
});
