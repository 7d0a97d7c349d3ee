import pg from 'pg';

type Callback = (payload: string) => void;

/**
 * LISTEN on one dedicated, long-lived connection (a pooled client cannot hold a subscription).
 * When the connection is lost (server restart, network) it reconnects with exponential back-off
 * (100 ms doubling to 5 s) and re-subscribes every channel; after a reconnect each subscriber is
 * called once with an empty payload, because notifications sent while we were away are lost and
 * the subscriber should look for work it may have missed. Workers also poll, so a long outage
 * only slows wake-ups down.
 */
export class NotificationListener {
  private readonly channels = new Map<string, Set<Callback>>();
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = 100;
  private closed = false;

  constructor(private readonly config: pg.ClientConfig) {}

  async listen(channel: string, callback: Callback): Promise<() => Promise<void>> {
    let subscribers = this.channels.get(channel);
    const isNew = !subscribers;
    if (!subscribers) {
      subscribers = new Set();
      this.channels.set(channel, subscribers);
    }
    subscribers.add(callback);
    // A failed first connect is retried in the background; workers poll meanwhile.
    if (!this.client) await this.connect().catch(() => this.scheduleReconnect());
    else if (isNew) await this.client.query(`LISTEN ${quoteIdent(channel)}`).catch(() => this.lost());
    return async () => {
      const set = this.channels.get(channel);
      set?.delete(callback);
      if (set && set.size === 0) {
        this.channels.delete(channel);
        await this.client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => undefined);
      }
      if (this.channels.size === 0) await this.disconnect();
    };
  }

  private connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      const client = new pg.Client(this.config);
      client.on('error', () => this.lost(client));
      client.on('end', () => this.lost(client));
      client.on('notification', (message) => {
        for (const callback of this.channels.get(message.channel) ?? []) callback(message.payload ?? '');
      });
      try {
        await client.connect();
        for (const channel of this.channels.keys()) await client.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (error) {
        client.removeAllListeners('end');
        client.end().catch(() => undefined);
        throw error;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      const reconnected = this.retryDelay > 100;
      this.client = client;
      this.retryDelay = 100;
      if (reconnected) for (const set of this.channels.values()) for (const callback of set) callback('');
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** The connection broke: forget it and reconnect after a back-off. */
  private lost(client: pg.Client | null = this.client): void {
    if (client !== this.client || this.closed) return;
    this.client = null;
    client?.removeAllListeners('end');
    client?.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer || this.channels.size === 0) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(5_000, this.retryDelay * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch(() => this.scheduleReconnect());
    }, delay);
    this.retryTimer.unref?.();
  }

  /** Drop the connection (no subscribers left); a later `listen` connects again. */
  private async disconnect(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }

  /** Stop for good (driver close). */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.channels.clear();
    await this.connecting?.catch(() => undefined);
    await this.disconnect();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
