/**
 * Projects the localizer segmentation onto the acquired slab: which share of the target disc
 * lies inside the slab, and which disc levels the slab contains.
 */
import type { MrSeries } from '../dicom/types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { dot, subtract } from '../geometry/vec3.ts';
import { DISC_LEVELS, type SegmentationResult } from '../inference/types.ts';
import { copyVec3, type AcquiredStack } from './acquiredStack.ts';
import { QcInputError } from './errors.ts';

export interface DiscProjection {
  /** Label value of the target disc, null when the segmentation has no such disc. */
  targetLabel: number | null;
  /** Voxels of the target disc in the segmentation, and how many fall inside the slab. */
  targetVoxels: number;
  targetVoxelsInside: number;
  /** Disc voxels inside the slab per disc name. */
  discVoxelsInsideByName: Map<string, number>;
  /** Centroid of the target disc, millimetres, when present. */
  targetCentroidLpsMm: Vec3 | null;
}

/** Throws `ERR_SEGMENTATION_GRID_MISMATCH` when the label map is not on the localizer's voxel grid. */
export function validateSegmentationGrid(segmentation: SegmentationResult, localizer: MrSeries): void {
  const first = localizer.images[0];
  const { columns, rows, slices } = segmentation.dims;
  const expected = columns * rows * slices;
  if (
    first === undefined ||
    columns !== first.geometry.columns ||
    rows !== first.geometry.rows ||
    slices !== localizer.images.length ||
    segmentation.labelMap.length !== expected
  ) {
    throw new QcInputError(
      'ERR_SEGMENTATION_GRID_MISMATCH',
      `Segmentation of series ${segmentation.seriesInstanceUid} has a ${columns} x ${rows} x ${slices} label map (${segmentation.labelMap.length} values) ` +
        `but localizer ${localizer.seriesInstanceUid} is ${first?.geometry.columns ?? 0} x ${first?.geometry.rows ?? 0} x ${localizer.images.length}. ` +
        'Pass the segmentation computed on this localizer.',
    );
  }
}

/** Names of the disc labels in the segmentation, by label value. */
function discNamesByLabel(segmentation: SegmentationResult): Map<number, string> {
  const discs = new Map<number, string>();
  for (const structure of segmentation.structures) {
    if (structure.kind === 'disc') discs.set(structure.labelValue, structure.name);
  }
  for (const [value, name] of Object.entries(segmentation.labelNames)) {
    if ((DISC_LEVELS as readonly string[]).includes(name) && !discs.has(Number(value))) discs.set(Number(value), name);
  }
  return discs;
}

export function projectDiscs(
  stack: AcquiredStack,
  localizer: MrSeries,
  segmentation: SegmentationResult,
  targetLevel: string,
  sliceThicknessMm: number,
): DiscProjection {
  const discs = discNamesByLabel(segmentation);
  let targetLabel: number | null = null;
  for (const [value, name] of discs) if (name === targetLevel) targetLabel = value;
  const targetStructure = segmentation.structures.find((structure) => structure.kind === 'disc' && structure.name === targetLevel);

  const firstSlice = stack.slices[0];
  const lastSlice = stack.slices[stack.slices.length - 1];
  const middleAlongNormal = (firstSlice.positionAlongNormalMm + lastSlice.positionAlongNormalMm) / 2;
  const halfCoverageMm = (lastSlice.positionAlongNormalMm - firstSlice.positionAlongNormalMm) / 2 + sliceThicknessMm / 2;
  const g = firstSlice.image.geometry;
  const halfWidthAlongRowMm = (g.columns * g.spacingBetweenColumnsMm) / 2;
  const halfWidthAlongColumnMm = (g.rows * g.spacingBetweenRowsMm) / 2;

  const { columns, rows } = segmentation.dims;
  let targetVoxels = 0;
  let targetVoxelsInside = 0;
  const insideByName = new Map<string, number>();
  for (let k = 0; k < localizer.images.length; k++) {
    const geometry = localizer.images[k].geometry;
    const origin = geometry.imagePositionLpsMm;
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < columns; i++) {
        const label = segmentation.labelMap[(k * rows + j) * columns + i];
        if (label === 0) continue;
        const name = discs.get(label);
        if (name === undefined) continue;
        const point: Vec3 = [
          origin[0] + i * geometry.spacingBetweenColumnsMm * geometry.rowCosineLps[0] + j * geometry.spacingBetweenRowsMm * geometry.columnCosineLps[0],
          origin[1] + i * geometry.spacingBetweenColumnsMm * geometry.rowCosineLps[1] + j * geometry.spacingBetweenRowsMm * geometry.columnCosineLps[1],
          origin[2] + i * geometry.spacingBetweenColumnsMm * geometry.rowCosineLps[2] + j * geometry.spacingBetweenRowsMm * geometry.columnCosineLps[2],
        ];
        const relative = subtract(point, stack.centerLpsMm);
        const inside =
          Math.abs(dot(point, stack.normalLps) - middleAlongNormal) <= halfCoverageMm &&
          Math.abs(dot(relative, stack.rowCosineLps)) <= halfWidthAlongRowMm &&
          Math.abs(dot(relative, stack.columnCosineLps)) <= halfWidthAlongColumnMm;
        if (label === targetLabel) {
          targetVoxels += 1;
          if (inside) targetVoxelsInside += 1;
        }
        if (inside) insideByName.set(name, (insideByName.get(name) ?? 0) + 1);
      }
    }
  }
  return {
    targetLabel,
    targetVoxels,
    targetVoxelsInside,
    discVoxelsInsideByName: insideByName,
    targetCentroidLpsMm: targetStructure === undefined ? null : copyVec3(targetStructure.centroidLpsMm),
  };
}
