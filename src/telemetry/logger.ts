import { pino } from 'pino';
import { stderrDestination } from './stderr-destination.js';

export type Logger = pino.Logger;

/** Structured JSON logs on stderr, so stdout stays free for the CLI's human or `--json` output. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'afterword', pid: process.pid, ...bindings } }, stderrDestination());
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
