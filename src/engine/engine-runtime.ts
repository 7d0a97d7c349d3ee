import { EventEmitter } from 'node:events';
import type { Clock, IdSource } from '../clock.js';
import { AfterwordError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Tx } from '../telemetry/outbox.js';
import type { WorkflowDefinition, WorkflowHooks } from './types.js';

/** The notification channel on which enqueues wake workers in other processes. */
export const jobsChannel = 'afterword_jobs';

export interface EngineSettings {
  leaseMs: number;
  heartbeatMs: number;
  pollIntervalMs: number;
  claimBatchSize: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  drainTimeoutMs: number;
  watchdogIntervalMs: number;
}

export interface EngineDeps {
  store: Store<Tx>;
  logger: Logger;
  clock: Clock;
  ids: IdSource;
  settings: EngineSettings;
  /** Jitter source; injected so tests can pin back-off delays. */
  random?: () => number;
}

/**
 * What the built-in engine and its workers share: the dependencies, the registered workflows
 * and the in-process wake-up signal. The engine (engine.ts) and the worker (worker.ts) both
 * depend on this and never on each other.
 */
export class EngineRuntime {
  private readonly workflows = new Map<string, WorkflowDefinition<any, any>>();
  /** 'wake' fires after a commit that made work runnable in this process. */
  private readonly wakeups = new EventEmitter();
  readonly store: Store<Tx>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly settings: EngineSettings;
  readonly random: () => number;
  /** Statements may be set-based (one statement for many rows and tables) on this store. */
  readonly setBased: boolean;

  constructor(deps: EngineDeps) {
    this.wakeups.setMaxListeners(0);
    this.store = deps.store;
    this.logger = deps.logger;
    this.clock = deps.clock;
    this.ids = deps.ids;
    this.settings = deps.settings;
    this.random = deps.random ?? Math.random;
    this.setBased = deps.store.driver.capabilities.writableCtes;
  }

  register(definition: WorkflowDefinition<any, any>): void {
    if (this.workflows.has(definition.name)) throw new Error(`workflow ${definition.name} is already registered`);
    this.workflows.set(definition.name, definition);
  }

  workflowNames(): string[] {
    return [...this.workflows.keys()];
  }

  /** The registered definition, or `internal` (a job of a workflow this process does not know). */
  definition(name: string): WorkflowDefinition<any, any> {
    const def = this.workflows.get(name);
    if (!def) throw new AfterwordError('internal', `no workflow named ${name} is registered`);
    return def;
  }

  /** The workflow's hooks, if it is registered here. */
  hooks(name: string): WorkflowHooks<any, any> | undefined {
    return this.workflows.get(name)?.hooks;
  }

  stepNames(name: string): string[] {
    return (this.workflows.get(name)?.steps ?? []).map((s) => s.name);
  }

  wake(): void {
    this.wakeups.emit('wake');
  }

  onWake(listener: () => void): () => void {
    this.wakeups.on('wake', listener);
    return () => this.wakeups.off('wake', listener);
  }

  /**
   * After the transaction commits, wake this process's workers at once and, where the driver
   * can (PostgreSQL NOTIFY, delivered on commit), every other process's workers too.
   */
  async announceRunnable(tx: Tx): Promise<void> {
    tx.afterCommit(() => this.wake());
    const driver = this.store.driver;
    if (driver.capabilities.listenNotify && driver.notify) await driver.notify(tx, jobsChannel, '');
  }
}
