export type { ServedApp } from './app-port.js';
export { adminTokenFile, ensureAdminToken } from './admin-token.js';
export { type Access, type Principal, type Role, type TokenEntry, TokenRegistry } from './auth.js';
export { type AfterwordServer, type BuildServerOptions, buildServer } from './build-server.js';
export { installShutdown, type ShutdownHandle, type ShutdownOptions } from './shutdown.js';
export { type RunningService, type StartServiceOptions, startService } from './start-service.js';
