import { AfterwordError } from '../../errors.js';
import type { SqlDriver } from '../ports.js';

/** Placeholder until the PostgreSQL adapter lands (issue 5). */
export const PostgresDriver = {
  async connect(_options: { url: string; schema: string; poolSize: number }): Promise<SqlDriver> {
    throw new AfterwordError('store_unavailable', 'the PostgreSQL adapter is not available in this build');
  },
};
