import type { MrSeries } from '../dicom/types.ts';
import type { DirectionLps, PointLpsMm } from '../geometry/types.ts';

export const VERTEBRA_LEVELS = ['T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'S1'] as const;
export const DISC_LEVELS = ['T12/L1', 'L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/L6', 'L5/S1', 'L6/S1'] as const;
export type VertebraLevel = (typeof VERTEBRA_LEVELS)[number];
export type DiscLevel = (typeof DISC_LEVELS)[number];
export type StructureKind = 'vertebra' | 'disc' | 'canal';

/** One labelled structure found on the localizer, in patient coordinates. */
export interface Structure {
  /** Level name (`L4`, `L4/L5`) or `canal`. */
  name: string;
  kind: StructureKind;
  /** Value of this structure in `SegmentationResult.labelMap`. */
  labelValue: number;
  centroidLpsMm: PointLpsMm;
  /** Principal axes of the mask, largest extent first, unit vectors. */
  principalAxesLps: [DirectionLps, DirectionLps, DirectionLps];
  /** Standard deviation of the mask along each principal axis, millimetres. */
  extentsMm: [number, number, number];
  volumeMm3: number;
  /** Calibrated probability (0..1) that this structure is present and correctly named. */
  confidence: number;
}

export type AnatomyFlag =
  | { code: 'TRANSITIONAL_FOUR_LUMBAR'; reason: string }
  | { code: 'TRANSITIONAL_SIX_LUMBAR'; reason: string }
  | { code: 'LEVEL_MISSING'; level: string; reason: string }
  | { code: 'LOW_CONFIDENCE'; reason: string }
  /** Levels were counted from the lowest disc because no sacrum was found; names need checking. */
  | { code: 'SACRUM_NOT_FOUND'; reason: string };

/** Segmenter output for one sagittal localizer series. */
export interface SegmentationResult {
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  structures: Structure[];
  /**
   * Label map on the series' own voxel grid: index = k * rows * columns + j * columns + i,
   * with k in the order of `MrSeries.images`. Values map to names via `labelNames`; 0 is background.
   */
  labelMap: Uint8Array;
  labelNames: Record<number, string>;
  dims: { columns: number; rows: number; slices: number };
  /** Overall confidence (0..1), the lowest confidence among the structures planning needs. */
  confidence: number;
  flags: AnatomyFlag[];
  model: { name: string; version: string; executionProvider: string };
  timingMs: { preprocess: number; inference: number; postprocess: number; total: number };
}

/** Segmenter interface that the acquisition loop calls. */
export interface Segmenter {
  segment(series: MrSeries, signal?: AbortSignal): Promise<SegmentationResult>;
  describe(): { name: string; version: string; executionProvider: string };
}

/** An input the segmenter cannot use; the loop turns it into manual planning with this reason. */
export class SegmentationInputError extends Error {
  constructor(
    readonly code:
      | 'ERR_NOT_SAGITTAL'
      | 'ERR_MISSING_PIXEL_SPACING'
      | 'ERR_INVALID_POSITION'
      | 'ERR_BLANK_IMAGE'
      | 'ERR_NOT_A_SPINE'
      | 'ERR_EMPTY_SERIES',
    message: string,
  ) {
    super(message);
    this.name = 'SegmentationInputError';
  }
}
