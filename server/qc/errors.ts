/** Codes for inputs the QC checker cannot evaluate at all. */
export type QcInputErrorCode =
  | 'ERR_EMPTY_ACQUISITION'
  | 'ERR_MISSING_GEOMETRY'
  | 'ERR_PIXEL_COUNT_MISMATCH'
  | 'ERR_INVALID_SLAB'
  | 'ERR_EMPTY_LOCALIZER'
  | 'ERR_SEGMENTATION_GRID_MISMATCH'
  | 'ERR_INVALID_QC_CONFIG';

/**
 * An input that makes a QC verdict meaningless (no images, an image without usable geometry).
 * Problems QC can judge, such as a slab from another frame of reference, become failed checks instead.
 */
export class QcInputError extends Error {
  constructor(
    readonly code: QcInputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'QcInputError';
  }
}
