/**
 * How far a slab is tilted from the scanner plane it belongs to: axial slabs from the true axial
 * plane, the sagittal stack from the true sagittal plane and a saturation band from the true
 * coronal plane. "True" planes are perpendicular to the patient axes (LPS x, y and z).
 */
import type { WireSlab } from '../wire.ts';
import type { Vec3 } from './vec3.ts';

export type ReferencePlane = 'axial' | 'sagittal' | 'coronal';

export interface SlabOrientation {
  plane: ReferencePlane;
  /** Tilt from the true plane, degrees from 0 to 90. */
  angleDeg: number;
}

/** Normal of each true plane, an LPS axis. */
const PLANE_NORMAL_INDEX: Record<ReferencePlane, 0 | 1 | 2> = { sagittal: 0, coronal: 1, axial: 2 };

export function referencePlaneOf(kind: WireSlab['kind']): ReferencePlane {
  switch (kind) {
    case 'axial-disc':
    case 'axial-stack':
      return 'axial';
    case 'sagittal':
      return 'sagittal';
    case 'saturation-band':
      return 'coronal';
  }
}

/**
 * Returns the angle between a slab with this normal and a true plane, degrees from 0 to 90.
 * It uses atan2 rather than acos, so tilts of a few hundredths of a degree keep their precision.
 */
export function angleToPlaneDeg(normalLps: Vec3, plane: ReferencePlane): number {
  const axis = PLANE_NORMAL_INDEX[plane];
  const along = Math.abs(normalLps[axis]);
  const across = Math.hypot(normalLps[(axis + 1) % 3], normalLps[(axis + 2) % 3]);
  return (Math.atan2(across, along) * 180) / Math.PI;
}

/**
 * Returns the slab's reference plane and its tilt from it. For axial slabs this is the planner's
 * `angleToAxialDeg`, recomputed from the normal so that local previews of an adjustment agree.
 */
export function slabOrientation(slab: WireSlab): SlabOrientation {
  const plane = referencePlaneOf(slab.kind);
  return { plane, angleDeg: angleToPlaneDeg(slab.normalLps, plane) };
}
