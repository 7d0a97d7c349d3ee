/**
 * Webhook delivery benchmarks (SQLite; PostgreSQL too when reachable), against a real local
 * receiver that verifies every signature with the `standardwebhooks` library:
 *  1. deliveries/s: M events committed, then workers start; timed until the receiver has all M
 *     (dispatch, durable job, sign, POST, attempt log and completion commits). Baseline in the
 *     same run: the same number of signed POSTs sent straight from a loop at the same
 *     concurrency to the same receiver, nothing durable (the ceiling of the HTTP part).
 *  2. end-to-end latency from batch publish to receipt: K lore batches published one at a time;
 *     from the announcement of `telemetry.publish.batch.published` (after its commit) to the
 *     receiver's receipt of the `publish.batch.published` message carrying its bundles and cards.
 * Run alone: `npx tsc -p tsconfig.json && node build/bench/webhook-delivery.js [--quick]`.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { type Afterword, createAfterword } from '../src/app.js';
import type { Clock } from '../src/clock.js';
import { type ConfigInput, loadConfig } from '../src/config.js';
import { generateSecret, signMessage } from '../src/delivery/webhook-signing.js';
import { createLogger } from '../src/telemetry/logger.js';
import { runAlone } from './lib/run-alone.js';
import { fmt, median, percentile, pollUntil } from './lib/stats.js';
import { withTempDir } from './lib/temp-dir.js';

const worldPath = fileURLToPath(new URL('../../worlds/demo-world.json', import.meta.url));
const pgUrl = process.env.AFTERWORD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface WebhookBenchOptions {
  quick?: boolean;
}

/** A receiver that verifies each request and answers 204; `onMessage` sees what verified. */
class Receiver {
  received = 0;
  failedVerification = 0;
  secret = '';
  onMessage: (type: string, data: Record<string, unknown>) => void = () => {};
  clock: Clock = { now: () => Date.now() };
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    let self: Receiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        // The library checks the timestamp against Date.now(): the receiver lives on the app's clock
        // (the latency run moves it forward to make batches due).
        const realNow = Date.now;
        const at = self?.clock.now() ?? realNow();
        Date.now = () => at;
        try {
          const message = new Webhook(self?.secret ?? '').verify(body, req.headers as Record<string, string>) as {
            type: string;
            data: Record<string, unknown>;
          };
          if (self) {
            self.received++;
            self.onMessage(message.type, message.data);
          }
        } catch {
          if (self) self.failedVerification++;
        } finally {
          Date.now = realNow;
        }
        res.writeHead(204).end();
      });
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`);
    return self;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Signed POSTs straight from a loop, `concurrency` at a time: the HTTP ceiling. */
async function rawSignedPosts(receiver: Receiver, count: number, concurrency: number): Promise<{ rate: number; cpuMs: number }> {
  const before = receiver.received;
  const cpu = process.cpuUsage();
  const body = JSON.stringify({ type: 'admin.alert', timestamp: new Date().toISOString(), data: { n: 0, reason: 'bench' } });
  const secrets = { secret: receiver.secret, previousSecret: null, previousSecretExpiresAt: null };
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const headers = signMessage(secrets, `msg_raw_${i}`, Date.now(), body);
      await new Promise<void>((resolve, reject) => {
        const req = request(receiver.url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end(body);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  if (receiver.received - before !== count) throw new Error('raw posts: not every request verified');
  const used = process.cpuUsage(cpu);
  return { rate: count / seconds, cpuMs: (used.user + used.system) / 1000 / count };
}

function offsetClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

interface StoreChoice {
  name: string;
  config: (dir: string) => Promise<ConfigInput>;
  cleanup: (config: ConfigInput) => Promise<void>;
}

const sqlite: StoreChoice = {
  name: 'SQLite',
  config: async (dir) => ({ dataDir: dir }),
  cleanup: async () => undefined,
};

const postgres: StoreChoice = {
  name: 'PostgreSQL',
  config: async () => ({ databaseUrl: pgUrl, pgSchema: `bench_wh_${Math.random().toString(36).slice(2, 10)}`, pgPoolSize: 8 }),
  cleanup: async (config) => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${config.pgSchema} CASCADE`);
    await client.end();
  },
};

async function withApp<T>(
  store: StoreChoice,
  overrides: ConfigInput,
  clock: Clock,
  fn: (app: Afterword) => Promise<T>,
): Promise<T> {
  return withTempDir('webhooks', async (dir) => {
    const storeConfig = await store.config(dir);
    const config = loadConfig(
      {
        logLevel: 'silent',
        ...storeConfig,
        ...overrides,
        webhooks: { allowPrivateNetworks: ['127.0.0.1'], ...(overrides.webhooks ?? {}) },
      },
      {},
    );
    const app = await createAfterword(config, { logger: createLogger('silent'), clock });
    try {
      return await fn(app);
    } finally {
      await app.stop();
      await store.cleanup(storeConfig);
    }
  });
}

/** 1. M events committed, then the workers drain them into the receiver. */
async function deliveriesPerSecond(store: StoreChoice, receiver: Receiver, events: number, concurrency: number) {
  return withApp(
    store,
    { engine: { pollIntervalMs: 50, claimBatchSize: Math.min(concurrency, 128) }, webhooks: { dispatchBatchSize: 500 } },
    { now: () => Date.now() },
    async (app) => {
      const { secret } = await app.webhooks.create({ url: receiver.url, topics: ['admin.alert'] }, 'bench');
      receiver.secret = secret;
      for (let i = 0; i < events; i += 100) {
        await app.store.transact(async (tx) => {
          for (let j = i; j < Math.min(events, i + 100); j++)
            await tx.raiseAlert({ reason: 'bench.webhook', severity: 'low', data: { n: j } });
        });
      }
      const before = receiver.received;
      const cpu = process.cpuUsage();
      const started = performance.now();
      await app.startWorkers(concurrency);
      await pollUntil('every delivery received', () => receiver.received - before >= events, 300_000, 5);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      await pollUntil(
        'every delivery recorded as delivered',
        async () => (await app.webhooks.deliveries({ status: 'pending', limit: 1 })).items.length === 0,
        60_000,
        20,
      );
      return { rate: events / seconds, cpuMs: (used.user + used.system) / 1000 / events };
    },
  );
}

/** 2. K batches published one at a time; publish announcement -> receipt of the message. */
async function publishToReceipt(store: StoreChoice, receiver: Receiver, batches: number) {
  const clock = offsetClock();
  receiver.clock = clock;
  return withApp(store, { engine: { pollIntervalMs: 200 } }, clock, async (app) => {
    const { secret } = await app.webhooks.create({ url: receiver.url, topics: ['publish.batch.published'] }, 'bench');
    receiver.secret = secret;
    await app.world.importWorld(JSON.parse(readFileSync(worldPath, 'utf8')));
    await app.startWorkers(4);
    for (let i = 0; i < batches; i++) {
      const sessionId = `bench-wh-${i}`;
      await app.sessions.upsert(sessionId, {});
      await app.sessions.appendTurns(sessionId, [
        { turnId: 't1', speaker: 'gm', text: 'Harrowgate was ravaged by the storm.' },
        { turnId: 't2', speaker: 'gm', text: `The harbour bell of Harrowgate rang ${i} times at dusk.` },
      ]);
      await app.coordinator.closeSession(sessionId);
      clock.advance(60_000); // each session's batch falls due one minute after the previous one's
    }
    await app.orchestrator?.untilIdle();
    const publishedAt = new Map<string, number>();
    const receivedAt = new Map<string, number>();
    let bundles = 0;
    app.bus.subscribe({ topics: ['telemetry.publish.batch.published'] }, (e) => {
      publishedAt.set(String(e.payload.batchId), performance.now());
    });
    receiver.onMessage = (type, data) => {
      if (type !== 'publish.batch.published') return;
      receivedAt.set(String(data.batchId), performance.now());
      bundles += (data.bundles as unknown[]).length;
    };
    // Minute by minute: each step makes at most one batch due; wait for its receipt before the next.
    clock.advance(60 * 60_000 - (batches + 3) * 60_000);
    const latencies: number[] = [];
    for (let minute = 0; receivedAt.size < batches; minute++) {
      if (minute > batches + 10) throw new Error(`only ${receivedAt.size} of ${batches} batches arrived`);
      const published = publishedAt.size;
      clock.advance(60_000);
      await pollUntil('a batch published', () => publishedAt.size > published, 3_000, 1).catch(() => undefined);
      await pollUntil('its receipt', () => receivedAt.size >= publishedAt.size, 30_000, 1);
    }
    for (const [batchId, at] of receivedAt) {
      const published = publishedAt.get(batchId);
      if (published !== undefined) latencies.push(at - published);
    }
    return { latencies, bundles };
  }).finally(() => {
    receiver.clock = { now: () => Date.now() };
  });
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function runWebhookBench(options: WebhookBenchOptions = {}): Promise<{ markdown: string }> {
  const events = options.quick ? 500 : 1_500;
  const batches = options.quick ? 10 : 40;
  const runs = options.quick ? 1 : 3;
  const concurrencies = [16, 64];
  const stores = [sqlite, ...((await postgresReachable()) ? [postgres] : [])];
  const receiver = await Receiver.start();
  receiver.secret = generateSecret();
  const rows: string[] = [];
  const latencyRows: string[] = [];
  try {
    for (const store of stores) {
      for (const concurrency of concurrencies) {
        const rates: number[] = [];
        const raws: number[] = [];
        const cpus: number[] = [];
        const rawCpus: number[] = [];
        for (let r = 0; r < runs; r++) {
          const delivered = await deliveriesPerSecond(store, receiver, events, concurrency);
          rates.push(delivered.rate);
          cpus.push(delivered.cpuMs);
          receiver.secret = generateSecret();
          const raw = await rawSignedPosts(receiver, events, concurrency);
          raws.push(raw.rate);
          rawCpus.push(raw.cpuMs);
        }
        const rate = median(rates);
        const raw = median(raws);
        rows.push(
          `| ${store.name} | ${concurrency} | ${fmt(rate)} | ${rates.map((x) => fmt(x)).join(', ')} | ${fmt(median(cpus), 2)} | ${fmt(raw)} | ${fmt(median(rawCpus), 2)} | ${fmt(rate / raw, 2)} |`,
        );
      }
      const { latencies, bundles } = await publishToReceipt(store, receiver, batches);
      latencyRows.push(
        `| ${store.name} | ${latencies.length} | ${fmt(median(latencies), 1)} | ${fmt(percentile(latencies, 90), 1)} | ${fmt(percentile(latencies, 99), 1)} | ${fmt(Math.max(...latencies), 1)} | ${fmt(bundles / Math.max(1, latencies.length), 1)} |`,
      );
    }
  } finally {
    await receiver.close();
  }
  if (receiver.failedVerification > 0) throw new Error(`${receiver.failedVerification} requests failed verification`);
  const markdown = [
    '## Webhook delivery (`bench/webhook-delivery.ts`)',
    '',
    `Load average at start: ${loadavg()[0]?.toFixed(1)} (the machine is shared; CPU per delivery is the steadier figure). A receiver on 127.0.0.1 in the same process verifies every signature with the \`standardwebhooks\` library and answers 204. Run alone: \`npx tsc -p tsconfig.json && node build/bench/webhook-delivery.js${options.quick ? ' --quick' : ''}\`.`,
    '',
    '### Deliveries per second',
    '',
    `${fmt(events)} \`admin.alert\` events committed for one subscribed endpoint, then N in-process workers start; timed until the receiver has verified all ${fmt(events)} (each: the dispatcher's transaction, a durable job claimed, signed, POSTed, its attempt and completion committed). Baseline in the same run: ${fmt(events)} signed POSTs of the same size sent from a plain loop at the same concurrency to the same receiver (no store, nothing durable). Median of ${runs} run(s).`,
    '',
    '| store | workers | deliveries/s | runs | CPU ms per delivery | raw signed POSTs/s | CPU ms per raw POST | ratio (deliveries ÷ raw) |',
    '|---|---:|---:|---|---:|---:|---:|---:|',
    ...rows,
    '',
    '### Batch publish to receipt',
    '',
    `${batches} lore batches (2-turn demo sessions) published one at a time by the batch workflow; from the in-process announcement of \`telemetry.publish.batch.published\` (after the publishing transaction commits) to the receiver's verified receipt of the \`publish.batch.published\` message with the batch's full bundles and cards.`,
    '',
    '| store | batches | p50 ms | p90 ms | p99 ms | max ms | bundles per message |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...latencyRows,
  ].join('\n');
  return { markdown };
}

runAlone(import.meta.url, runWebhookBench);
