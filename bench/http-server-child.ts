/**
 * The server side of bench/http-closures.ts, in its own process so the load generator and the
 * service do not share one event loop. Reads the configuration as JSON from argv[2], starts the
 * real service (startService: auth, rate limiting, validation, SQLite store) and prints
 * `{"url": ...}` on stdout. SIGTERM stops it gracefully.
 */
import { loadConfig } from '../src/config.js';
import { startService } from '../src/server/start-service.js';

const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const config = loadConfig(overrides, {});
const running = await startService(config, { workers: config.workers.concurrency });
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
