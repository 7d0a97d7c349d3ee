/**
 * A real local HTTP receiver for webhook tests: it verifies every request's Standard Webhooks
 * signature with the `standardwebhooks` library (against each secret it is told to accept) and
 * answers as the test's `respond` says: a status, after a delay, or never.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../../src/clock.js';

export interface ReceivedWebhook {
  n: number;
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  message: { type: string; timestamp: string; data: Record<string, unknown> };
  /** The secrets (of those accepted) whose signature verified. */
  verifiedWith: string[];
}

export type Reply = { status: number; body?: string; delayMs?: number } | 'hang';

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  secrets: string[] = [];
  respond: (request: ReceivedWebhook) => Reply = () => ({ status: 204 });
  private readonly hanging = new Set<ServerResponse>();
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly clock: Clock,
  ) {}

  /** Listen on 127.0.0.1; `clock` is the receiver's "now" when checking the signed timestamp. */
  static async start(clock: Clock = { now: () => Date.now() }): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => void receiver?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/hooks`, clock);
    return receiver;
  }

  /** Verify with the library as a receiver living at `clock.now()` would (its tolerance is 5 minutes). */
  private verify(body: string, headers: Record<string, string>): string[] {
    const realNow = Date.now;
    const at = this.clock.now();
    Date.now = () => at;
    try {
      return this.secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
    } finally {
      Date.now = realNow;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    const request: ReceivedWebhook = {
      n: this.received.length + 1,
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      body,
      message: JSON.parse(body),
      verifiedWith: this.verify(body, headers),
    };
    this.received.push(request);
    for (const wake of this.waiters.splice(0)) wake();
    const reply = this.respond(request);
    if (reply === 'hang') {
      this.hanging.add(res);
      return;
    }
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(reply.status, { 'content-type': 'text/plain' });
      res.end(reply.body ?? 'ok');
    };
    if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
    else send();
  }

  /** Resolve once at least `n` requests have arrived (or fail after the deadline). */
  async untilReceived(n: number, timeoutMs = 45_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`receiver got ${this.received.length} request(s), expected ${n} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
