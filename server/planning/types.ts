import type { DirectionLps, PointLpsMm } from '../geometry/types.ts';

export type SlabKind = 'axial-disc' | 'axial-stack' | 'sagittal' | 'saturation-band';

/**
 * One planned slab: a stack of parallel slices, described as the scanner needs it
 * (first slice, orientation, spacing, count) and as a person reads it (centre, normal, angle).
 */
export interface Slab {
  slabId: string;
  kind: SlabKind;
  /** Target level: a disc (`L4/L5`), a range (`L3-S1`) or `T12-S1` for sagittal coverage. */
  level: string;
  centerLpsMm: PointLpsMm;
  /** Slice normal, unit vector; for axial slabs it points towards the head (+z side). */
  normalLps: DirectionLps;
  /** In-plane direction of increasing column index (along a row). */
  rowCosineLps: DirectionLps;
  /** In-plane direction of increasing row index. */
  columnCosineLps: DirectionLps;
  /** ImagePositionPatient of the first slice's first pixel. */
  firstSlicePositionLpsMm: PointLpsMm;
  sliceCount: number;
  sliceThicknessMm: number;
  gapMm: number;
  /** Centre-to-centre distance between adjacent slices: thickness plus gap. */
  sliceSpacingMm: number;
  /** Field of view along the column direction (rows x spacing) and the row direction. */
  fovMm: { rows: number; columns: number };
  matrix: { rows: number; columns: number };
  phaseEncoding: 'AP' | 'RL' | 'HF';
  /** Angle between the slab normal and the scanner's true axial normal (z), degrees. */
  angleToAxialDeg: number;
  rationale: string;
}

export interface PlanWarning {
  code: string;
  level?: string;
  message: string;
}

/** The proposal for one exam, revised by each adjustment. */
export interface Plan {
  planId: string;
  revision: number;
  frameOfReferenceUid: string;
  protocolName: string;
  slabs: Slab[];
  warnings: PlanWarning[];
  createdAt: string;
}

/** A technologist's change to one slab; absent fields are left as they are. */
export interface SlabAdjustment {
  slabId: string;
  /** Shift along the slab normal, millimetres (positive towards the normal). */
  shiftAlongNormalMm?: number;
  /** Shift in the slab plane along the row and column directions, millimetres. */
  shiftInPlaneMm?: { row: number; column: number };
  /** Rotation about the slab's row direction, degrees, right-handed. */
  tiltAboutRowDeg?: number;
  /** Rotation about the slab's column direction, degrees, right-handed. */
  tiltAboutColumnDeg?: number;
  sliceCount?: number;
}

/** Slab parameters a protocol file sets. */
export interface PlanningProtocol {
  name: string;
  mode: 'per-disc' | 'contiguous-stack';
  /** For `contiguous-stack`: first and last level, such as L3 and S1. */
  stackRange?: { from: string; to: string };
  levels: string[];
  sliceCount: number;
  sliceThicknessMm: number;
  gapPercent: number;
  fovMm: number;
  matrix: number;
  sagittal: { enabled: boolean; sliceCount: number; sliceThicknessMm: number; gapPercent: number; fovMm: number; matrix: number };
  saturationBand: { enabled: boolean; thicknessMm: number };
}

/** Planner interface that the acquisition loop calls. Both methods are pure functions of their inputs. */
export interface Planner {
  propose(input: {
    segmentation: import('../inference/types.ts').SegmentationResult;
    localizer: import('../dicom/types.ts').MrSeries;
    protocol: PlanningProtocol;
  }): Plan;
  adjust(plan: Plan, adjustment: SlabAdjustment): Plan;
}
