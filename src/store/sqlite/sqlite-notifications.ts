/**
 * Notifications on SQLite: there are none to send, deliberately. SQLite admits one working
 * process (sqlite-locks.ts), and inside it the engine wakes its workers directly after each
 * commit; the odd write from another process (a CLI command on the same file) is found by the
 * event relay's and the workers' polls. So the driver offers no `listen`/`notify` and declares
 * `listenNotify: false`, and code above the store reads that flag instead of the dialect's
 * name. PostgreSQL's counterpart is postgres-notifications.ts (LISTEN/NOTIFY).
 */
export const sqliteNotifications = { listen: undefined, notify: undefined } as const;
