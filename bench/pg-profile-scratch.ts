import { performance } from 'node:perf_hooks';
import { afterwordQueue } from './peers/afterword.js';
import { PostgresDriver } from '../src/store/postgres/postgres-driver.js';

const proto = PostgresDriver.prototype as any;
const stats = { tx: 0, txMs: 0, stmts: 0, direct: 0 };
const by = new Map<string, [number, number]>();
async function timed(s: string, f: () => Promise<unknown>) {
  stats.stmts++;
  const k = s.replace(/\s+/g, ' ').slice(0, 60);
  const t = performance.now();
  try { return await f(); } finally { const e = by.get(k) ?? [0, 0]; e[0]++; e[1] += performance.now() - t; by.set(k, e); }
}
const origTx = proto.transaction;
proto.transaction = async function (fn: any) {
  const t = performance.now();
  stats.tx++;
  try {
    return await origTx.call(this, async (ex: any) => fn({
      query: (s: string, p: unknown[]) => timed(s, () => ex.query(s, p)),
      run: (s: string, p: unknown[]) => timed(s, () => ex.run(s, p)),
    }));
  } finally { stats.txMs += performance.now() - t; }
};
const origQ = proto.query; proto.query = function (...a: any[]) { stats.direct++; return origQ.apply(this, a); };
const q = afterwordQueue({ url: 'postgres://postgres@127.0.0.1:5432/test', concurrency: 32 });
await q.setup();
const n = 3000;
await q.enqueueBulk(n);
Object.assign(stats, { tx: 0, txMs: 0, stmts: 0, direct: 0 });
let done = 0; let res!: () => void; const all = new Promise<void>((r) => (res = r));
const t0 = performance.now();
await q.startWorkers(() => undefined, () => { if (++done === n) res(); });
await all;
const ms = performance.now() - t0;
console.log({ perSec: Math.round(n / (ms / 1000)), ms: Math.round(ms), ...stats, txMs: Math.round(stats.txMs) });
for (const [k, [c, t]] of [...by].sort((a, b) => b[1][1] - a[1][1])) console.log(c, Math.round(t), (t / c * 1000).toFixed(0) + 'us', k);
await q.teardown();
process.exit(0);
