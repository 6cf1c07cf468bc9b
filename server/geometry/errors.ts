/** Stable codes for geometry that cannot be computed from the given input. */
export type GeometryErrorCode =
  | 'ERR_DEGENERATE_GEOMETRY'
  | 'ERR_NONUNIFORM_SPACING'
  | 'ERR_EMPTY_STACK'
  | 'ERR_TOO_FEW_POINTS';

/** Geometry input that is singular, empty or inconsistent; the message names the value and the fix. */
export class GeometryError extends Error {
  readonly code: GeometryErrorCode;

  constructor(code: GeometryErrorCode, message: string) {
    super(message);
    this.name = 'GeometryError';
    this.code = code;
  }
}
