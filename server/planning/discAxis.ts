/**
 * Estimation of one disc's centre and axis from the label map: the disc's shape (the axis of
 * least variance of its voxels) combined with the planes of the adjacent endplates (the facing
 * surfaces of the vertebrae above and below).
 */
import { directionLps, pointLpsMm, type DirectionLps, type PointLpsMm, type Vec3 } from '../geometry/types.ts';
import type { PlanWarning } from './types.ts';
import { alignWith, fitPlane, principalAxes, type PrincipalAxes } from '../geometry/principalAxes.ts';
import { add, angleBetweenAxesDeg, dot, length, normalize, scale, subtract } from '../geometry/vec3.ts';
import { connectedComponents } from './components.ts';
import { structureVoxels, voxelIndexToIjk, voxelPositionsLps, type LabelGrid } from './labelGrid.ts';

/** The direction planning calls "up": towards the head. */
const HEAD_LPS: Vec3 = [0, 0, 1];

export interface DiscAxisOptions {
  /** Discs with fewer voxels are skipped with a warning. Default 20. */
  minDiscVoxels?: number;
  /** Maximum distance searched from the disc surface for the adjacent vertebra, millimetres. Default 6. */
  maxEndplateSearchMm?: number;
  /** Minimum number of surface points for an endplate plane fit. Default 12. */
  minEndplatePoints?: number;
  /** Maximum angle between the shape axis and the endplate axis for both to be averaged, degrees. Default 8. */
  maxAxisDisagreementDeg?: number;
  /** Components of a split disc closer than this along the disc axis are merged, millimetres. Default 5. */
  maxSplitOffsetMm?: number;
}

export interface EndplateFit {
  normalLps: DirectionLps;
  /** Centroid of the surface points (the centre of the endplate under the disc). */
  centerLpsMm: PointLpsMm;
  pointCount: number;
  rmsResidualMm: number;
  /** True when fitted to the vertebra's surface, false when fitted to the disc's own surface. */
  fromVertebra: boolean;
}

export interface DiscEstimate {
  level: string;
  centerLpsMm: PointLpsMm;
  /** Final disc axis, unit, pointing towards the head. */
  normalLps: DirectionLps;
  shape: PrincipalAxes;
  /** Shape axis (least variance), pointing towards the head; null when the mask is not flat. */
  shapeNormalLps: DirectionLps | null;
  upperEndplate: EndplateFit | null;
  lowerEndplate: EndplateFit | null;
  /** How the axis was chosen, for the slab's rationale. */
  method: string;
  voxelCount: number;
}

/**
 * Estimates the centre and axis of disc `level` (`L4/L5`). Returns null, with the reason in
 * `warnings`, when the disc is missing, too small or has no usable axis.
 */
export function estimateDisc(grid: LabelGrid, level: string, warnings: PlanWarning[], options: DiscAxisOptions = {}): DiscEstimate | null {
  const minDiscVoxels = options.minDiscVoxels ?? 20;
  const maxAxisDisagreementDeg = options.maxAxisDisagreementDeg ?? 8;

  const allVoxels = structureVoxels(grid, level);
  if (allVoxels.length === 0) {
    warnings.push({ code: 'LEVEL_MISSING', level, message: `Disc ${level} is not in the segmentation, so no slab is planned for it. Plan it by hand or repeat the localizer.` });
    return null;
  }
  if (allVoxels.length < minDiscVoxels) {
    warnings.push({
      code: 'DISC_TOO_SMALL',
      level,
      message: `Disc ${level} has ${allVoxels.length} labelled voxels, fewer than ${minDiscVoxels}, so its axis is unreliable and no slab is planned. Plan it by hand.`,
    });
    return null;
  }

  const voxels = keepMainComponent(grid, level, allVoxels, warnings, options.maxSplitOffsetMm ?? 5);
  const shape = principalAxes(voxelPositionsLps(grid, voxels));
  const flat = shape.standardDeviationsMm[2] < 0.8 * shape.standardDeviationsMm[1];
  const shapeNormalLps = flat ? alignWith(shape.axesLps[2], HEAD_LPS) : null;
  const searchAxis = shapeNormalLps ?? directionLps(0, 0, 1);

  const [upperName, lowerName] = level.split('/');
  const upperEndplate = fitEndplate(grid, voxels, searchAxis, upperName, 'up', options);
  const lowerEndplate = fitEndplate(grid, voxels, searchAxis, lowerName, 'down', options);

  const choice = combineAxes(shapeNormalLps, upperEndplate, lowerEndplate, maxAxisDisagreementDeg);
  if (choice === null) {
    warnings.push({
      code: 'DISC_SHAPE_UNCLEAR',
      level,
      message: `Disc ${level} is not flat (standard deviations ${shape.standardDeviationsMm.map((value) => value.toFixed(1)).join(', ')} mm) and no endplate could be fitted, so no slab is planned. Check the segmentation and plan it by hand.`,
    });
    return null;
  }
  if (choice.disagreementDeg !== null && choice.disagreementDeg > maxAxisDisagreementDeg) {
    warnings.push({
      code: 'DISC_AXIS_DISAGREES',
      level,
      message: `For disc ${level} the disc shape and the endplates disagree by ${choice.disagreementDeg.toFixed(1)} degrees; the slab follows ${choice.method}. Check its angle.`,
    });
  }

  // The centre is the midpoint of the two endplate centres when both are known, which does not
  // shift towards the thick end of a wedge-shaped disc as the voxel centroid does.
  let center: Vec3 = shape.centroidLpsMm;
  if (upperEndplate !== null && lowerEndplate !== null) {
    center = scale(add(upperEndplate.centerLpsMm, lowerEndplate.centerLpsMm), 0.5);
  }
  return {
    level,
    centerLpsMm: pointLpsMm(center[0], center[1], center[2]),
    normalLps: choice.normalLps,
    shape,
    shapeNormalLps,
    upperEndplate,
    lowerEndplate,
    method: choice.method,
    voxelCount: voxels.length,
  };
}

/**
 * Keeps the largest connected component of the disc and any other component that lies in the
 * same disc plane (an in-plane gap in the mask); drops the rest with a DISC_SPLIT warning.
 */
function keepMainComponent(grid: LabelGrid, level: string, voxels: Int32Array, warnings: PlanWarning[], maxSplitOffsetMm: number): Int32Array {
  const components = connectedComponents(grid, voxels);
  if (components.length === 1) return voxels;

  const main = principalAxes(voxelPositionsLps(grid, components[0]));
  const kept: Int32Array[] = [components[0]];
  let droppedVoxels = 0;
  for (const component of components.slice(1)) {
    const centroid = meanPosition(voxelPositionsLps(grid, component));
    const offsetMm = Math.abs(dot(subtract(centroid, main.centroidLpsMm), main.axesLps[2]));
    if (offsetMm <= maxSplitOffsetMm) kept.push(component);
    else droppedVoxels += component.length;
  }
  const total = kept.reduce((sum, part) => sum + part.length, 0);
  if (droppedVoxels > 0) {
    warnings.push({
      code: 'DISC_SPLIT',
      level,
      message: `Disc ${level} is labelled in ${components.length} separate parts; ${droppedVoxels} of ${voxels.length} voxels lie away from the main part and were ignored. Check the level labels near ${level}.`,
    });
  } else {
    warnings.push({
      code: 'DISC_SPLIT',
      level,
      message: `Disc ${level} is labelled in ${components.length} separate parts in one plane; all were used. Check the segmentation of ${level}.`,
    });
  }
  const merged = new Int32Array(total);
  let offset = 0;
  for (const part of kept) {
    merged.set(part, offset);
    offset += part.length;
  }
  return merged;
}

function meanPosition(positions: Float64Array): Vec3 {
  const count = positions.length / 3;
  let x = 0;
  let y = 0;
  let z = 0;
  for (let n = 0; n < count; n += 1) {
    x += positions[n * 3];
    y += positions[n * 3 + 1];
    z += positions[n * 3 + 2];
  }
  return [x / count, y / count, z / count];
}

/**
 * Fits the plane of the endplate that faces the disc on side `side`. Along each grid line (the
 * grid axis closest to the disc axis) through the thick part of the disc, the first voxel of the
 * vertebra `vertebraName` within the search distance gives one surface point, half a voxel
 * towards the disc. Without vertebra labels the disc's own surface on that side is used.
 */
function fitEndplate(grid: LabelGrid, discVoxels: Int32Array, axis: Vec3, vertebraName: string, side: 'up' | 'down', options: DiscAxisOptions): EndplateFit | null {
  const maxSearchMm = options.maxEndplateSearchMm ?? 6;
  const minPoints = options.minEndplatePoints ?? 12;

  // Pick the grid axis most aligned with the disc axis, and the index direction that moves up.
  const matrix = grid.transform.matrix;
  const steps: Vec3[] = [0, 1, 2].map((column) => [matrix[0][column], matrix[1][column], matrix[2][column]] as Vec3);
  const alignment = steps.map((step) => dot(step, axis) / length(step));
  let gridAxis = 0;
  for (let candidate = 1; candidate < 3; candidate += 1) {
    if (Math.abs(alignment[candidate]) > Math.abs(alignment[gridAxis])) gridAxis = candidate;
  }
  if (Math.abs(alignment[gridAxis]) < 0.5) return null;
  const upSign = alignment[gridAxis] > 0 ? 1 : -1;
  const direction = side === 'up' ? upSign : -upSign;
  const stride = [1, grid.columns, grid.columns * grid.rows][gridAxis];
  const axisSize = [grid.columns, grid.rows, grid.slices][gridAxis];
  const maxSteps = Math.max(1, Math.ceil(maxSearchMm / length(steps[gridAxis])));

  // Outermost disc voxel on this side for each grid line through the disc.
  const outermost = new Map<number, { coordinate: number; thickness: number; inner: number }>();
  for (const index of discVoxels) {
    const coordinate = voxelIndexToIjk(grid, index)[gridAxis];
    const lineKey = index - coordinate * stride;
    const entry = outermost.get(lineKey);
    if (entry === undefined) {
      outermost.set(lineKey, { coordinate, thickness: 1, inner: coordinate });
      continue;
    }
    if ((coordinate - entry.coordinate) * direction > 0) entry.coordinate = coordinate;
    if ((entry.inner - coordinate) * direction > 0) entry.inner = coordinate;
    entry.thickness = Math.abs(entry.coordinate - entry.inner) + 1;
  }
  const thicknesses = [...outermost.values()].map((entry) => entry.thickness).sort((a, b) => a - b);
  const medianThickness = thicknesses[Math.floor(thicknesses.length / 2)] ?? 0;

  const vertebraLabels = new Set(grid.labelsByStructure.get(vertebraName) ?? []);
  const fromVertebra = vertebraLabels.size > 0;
  const points: number[] = [];
  for (const [lineKey, entry] of outermost) {
    if (entry.thickness < 0.5 * medianThickness) continue;
    let surfaceCoordinate: number | null = null;
    if (fromVertebra) {
      for (let step = 1; step <= maxSteps; step += 1) {
        const coordinate = entry.coordinate + direction * step;
        if (coordinate < 0 || coordinate >= axisSize) break;
        if (vertebraLabels.has(grid.labelMap[lineKey + coordinate * stride])) {
          surfaceCoordinate = coordinate - direction * 0.5;
          break;
        }
      }
    } else {
      surfaceCoordinate = entry.coordinate + direction * 0.5;
    }
    if (surfaceCoordinate === null) continue;
    const ijk = voxelIndexToIjk(grid, lineKey);
    ijk[gridAxis] = surfaceCoordinate;
    points.push(...grid.transform.ijkToLps(ijk));
  }
  if (points.length / 3 < minPoints) return null;

  const fit = fitPlane(points);
  const spread = principalAxes(points);
  // A fit to points along a single line has no defined normal.
  if (spread.standardDeviationsMm[1] < 2) return null;
  return {
    normalLps: alignWith(fit.normalLps, HEAD_LPS),
    centerLpsMm: fit.pointLpsMm,
    pointCount: points.length / 3,
    rmsResidualMm: fit.rmsResidualMm,
    fromVertebra,
  };
}

interface AxisChoice {
  normalLps: DirectionLps;
  method: string;
  /** Angle between the shape axis and the endplate axis, when both exist. */
  disagreementDeg: number | null;
}

/**
 * Combines the shape axis and the endplate normals. The endplate axis is the normalized sum of
 * both endplate normals (their bisector), weighted twice the shape axis when they agree.
 */
function combineAxes(shapeNormal: DirectionLps | null, upper: EndplateFit | null, lower: EndplateFit | null, maxDisagreementDeg: number): AxisChoice | null {
  const surfaceWord = (upper?.fromVertebra ?? lower?.fromVertebra ?? true) ? 'endplates' : 'disc surfaces';
  let endplateAxis: Vec3 | null = null;
  let endplateLabel = '';
  if (upper !== null && lower !== null) {
    endplateAxis = normalize(add(upper.normalLps, lower.normalLps));
    endplateLabel = `both ${surfaceWord}`;
  } else if (upper !== null || lower !== null) {
    endplateAxis = (upper ?? lower)!.normalLps;
    endplateLabel = `the ${upper !== null ? 'upper' : 'lower'} ${surfaceWord.replace(/s$/, '')}`;
  }

  if (shapeNormal === null && endplateAxis === null) return null;
  if (shapeNormal === null) return { normalLps: toDirection(endplateAxis!), method: endplateLabel, disagreementDeg: null };
  if (endplateAxis === null) return { normalLps: shapeNormal, method: 'the disc shape', disagreementDeg: null };

  const disagreementDeg = angleBetweenAxesDeg(shapeNormal, endplateAxis);
  if (disagreementDeg <= maxDisagreementDeg) {
    const endplateWeight = upper !== null && lower !== null ? 2 : 1;
    const combined = normalize(add(scale(endplateAxis, endplateWeight), shapeNormal));
    return { normalLps: toDirection(combined), method: `the disc shape and ${endplateLabel}`, disagreementDeg };
  }
  // They disagree: trust two endplates that agree with each other, otherwise the shape.
  if (upper !== null && lower !== null && angleBetweenAxesDeg(upper.normalLps, lower.normalLps) <= 25) {
    return { normalLps: toDirection(endplateAxis), method: endplateLabel, disagreementDeg };
  }
  return { normalLps: shapeNormal, method: 'the disc shape', disagreementDeg };
}

function toDirection(vector: Vec3): DirectionLps {
  const unit = alignWith(directionLps(...normalize(vector)), HEAD_LPS);
  return unit;
}
