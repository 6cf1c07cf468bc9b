/** Stable codes for volumes and datasets that cannot be read. */
export type VolumeReadErrorCode =
  | 'ERR_UNKNOWN_VOLUME_FORMAT'
  | 'ERR_VOLUME_NOT_FOUND'
  | 'ERR_VOLUME_IS_DIRECTORY'
  | 'ERR_TRUNCATED_VOLUME'
  | 'ERR_DECOMPRESSION_FAILED'
  | 'ERR_INVALID_HEADER'
  | 'ERR_UNSUPPORTED_DATATYPE'
  | 'ERR_UNSUPPORTED_DIMENSIONS'
  | 'ERR_MISSING_ORIENTATION'
  | 'ERR_INVALID_SPACING'
  | 'ERR_LABELS_NOT_FOUND'
  | 'ERR_LABELS_NOT_INTEGER'
  | 'ERR_LABELS_GEOMETRY_MISMATCH'
  | 'ERR_INVALID_DATASET';

/** A volume file, label map or dataset folder that cannot be read; `path` names the file. */
export class VolumeReadError extends Error {
  constructor(
    readonly code: VolumeReadErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'VolumeReadError';
  }
}
