/** Stable codes for planning input or requests the planner cannot use. */
export type PlanningErrorCode =
  | 'ERR_LABEL_MAP_MISMATCH'
  | 'ERR_FRAME_OF_REFERENCE_MISMATCH'
  | 'ERR_NO_PLANNABLE_LEVELS'
  | 'ERR_UNKNOWN_SLAB'
  | 'ERR_INVALID_ADJUSTMENT'
  | 'ERR_PROTOCOL_NOT_FOUND'
  | 'ERR_INVALID_PROTOCOL';

/** A planning request that cannot be carried out; the message names the value and the fix. */
export class PlanningError extends Error {
  readonly code: PlanningErrorCode;

  constructor(code: PlanningErrorCode, message: string) {
    super(message);
    this.name = 'PlanningError';
    this.code = code;
  }
}
