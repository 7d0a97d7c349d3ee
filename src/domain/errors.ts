/**
 * Typed errors of the pure domain. Callers (API, CLI, workflow) match on `code`;
 * `issues` names every offending field so an operator can fix a file in one pass
 * instead of one error at a time.
 */
export type DomainErrorCode =
  | 'invalid_world_file'
  | 'invalid_turn'
  | 'invalid_transcript'
  | 'invalid_cadence_config'
  | 'override_exceeds_limit'
  | 'invalid_override';

export interface ValidationIssue {
  /** Path of the offending value, e.g. `entities[3].entityId` or `turns[5].text`. */
  field: string;
  reason: string;
}

export class DomainValidationError extends Error {
  readonly code: DomainErrorCode;
  readonly issues: ValidationIssue[];

  constructor(code: DomainErrorCode, issues: ValidationIssue[], message?: string) {
    super(message ?? `${code}: ${issues.map((i) => `${i.field} ${i.reason}`).join('; ')}`);
    this.name = 'DomainValidationError';
    this.code = code;
    this.issues = issues;
  }
}

export function isDomainValidationError(e: unknown): e is DomainValidationError {
  return e instanceof DomainValidationError;
}
