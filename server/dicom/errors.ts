/** Stable codes for DICOM input the co-pilot cannot use. Tests and callers branch on these. */
export type DicomInputErrorCode =
  | 'ERR_NOT_DICOM'
  | 'ERR_TRUNCATED'
  | 'ERR_UNSUPPORTED_TRANSFER_SYNTAX'
  | 'ERR_UNSUPPORTED_PIXEL_FORMAT'
  | 'ERR_MISSING_PIXEL_DATA'
  | 'ERR_MISSING_PIXEL_SPACING'
  | 'ERR_INVALID_PIXEL_SPACING'
  | 'ERR_MISSING_GEOMETRY'
  | 'ERR_INVALID_ORIENTATION'
  | 'ERR_MISSING_UID'
  | 'ERR_INVALID_PATIENT_POSITION'
  | 'ERR_FRAME_LIMIT'
  | 'ERR_EMPTY_SERIES'
  | 'ERR_MIXED_SERIES'
  | 'ERR_MIXED_ORIENTATION'
  | 'ERR_MIXED_GEOMETRY'
  | 'ERR_MIXED_FRAME_OF_REFERENCE'
  | 'ERR_DUPLICATE_POSITION';

/**
 * A DICOM object or series that cannot be turned into usable images. The message names the
 * SOP Instance UID (or series) and what to change; `code` is stable across releases.
 */
export class DicomInputError extends Error {
  readonly code: DicomInputErrorCode;
  /** SOP Instance UID of the offending object, when it could be read. */
  readonly sopInstanceUid: string | null;

  constructor(code: DicomInputErrorCode, message: string, sopInstanceUid: string | null = null) {
    super(message);
    this.name = 'DicomInputError';
    this.code = code;
    this.sopInstanceUid = sopInstanceUid;
  }
}
