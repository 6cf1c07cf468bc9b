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
import { gridLineAxis, lineRanges, type GridLineAxis, type LineRanges } from './gridLines.ts';
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
  /** Source of the axis (shape, endplates or both), for the slab's rationale. */
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
  const lines = discLines(grid, voxels, searchAxis);
  const upperEndplate = lines === null ? null : fitEndplate(grid, lines, shape, upperName, 'up', options);
  const lowerEndplate = lines === null ? null : fitEndplate(grid, lines, shape, lowerName, 'down', options);

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

  const center = lines === null ? shape.centroidLpsMm : footprintCenter(grid, lines);
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
 * same disc plane, as an in-plane gap in the mask leaves. Drops the rest with a DISC_SPLIT warning.
 */
function keepMainComponent(grid: LabelGrid, level: string, voxels: Int32Array, warnings: PlanWarning[], maxSplitOffsetMm: number): Int32Array {
  const components = connectedComponents(grid, voxels);
  if (components.length === 1) return voxels;

  const main = principalAxes(voxelPositionsLps(grid, components[0]));
  const sameDiscParts: Int32Array[] = [components[0]];
  let droppedVoxels = 0;
  for (const component of components.slice(1)) {
    const centroid = meanPosition(voxelPositionsLps(grid, component));
    const offsetMm = Math.abs(dot(subtract(centroid, main.centroidLpsMm), main.axesLps[2]));
    if (offsetMm <= maxSplitOffsetMm) sameDiscParts.push(component);
    else droppedVoxels += component.length;
  }
  const total = sameDiscParts.reduce((sum, part) => sum + part.length, 0);
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
  for (const part of sameDiscParts) {
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
function fitEndplate(
  grid: LabelGrid,
  lines: DiscLines,
  shape: PrincipalAxes,
  vertebraName: string,
  side: 'up' | 'down',
  options: DiscAxisOptions,
): EndplateFit | null {
  const maxSearchMm = options.maxEndplateSearchMm ?? 6;
  const minPoints = options.minEndplatePoints ?? 12;

  const { gridAxis, stride, axisSize, steps } = lines.axis;
  const direction = side === 'up' ? lines.axis.upSign : -lines.axis.upSign;
  const maxSteps = Math.max(1, Math.ceil(maxSearchMm / length(steps[gridAxis])));
  const medianThickness = lines.medianThickness;

  const vertebraLabels = grid.labelsByStructure.get(vertebraName) ?? [];
  const fromVertebra = vertebraLabels.length > 0;
  const isVertebraLabel = new Uint8Array(256);
  for (const label of vertebraLabels) isVertebraLabel[label] = 1;

  // Boundary position along the grid axis for each line (half-integer: between two voxels).
  const boundaryByLine = new Map<number, number>();
  const { ranges } = lines;
  for (let slot = 0; slot < ranges.count; slot += 1) {
    const lineKey = ranges.keys[slot];
    if (ranges.max[slot] - ranges.min[slot] + 1 < 0.5 * medianThickness) continue;
    // Outermost disc voxel on this side of the line.
    const outermost = direction > 0 ? ranges.max[slot] : ranges.min[slot];
    if (!isCentralLine(grid, lineKey + outermost * stride, shape)) continue;
    if (!fromVertebra) {
      boundaryByLine.set(lineKey, outermost + direction * 0.5);
      continue;
    }
    for (let step = 1; step <= maxSteps; step += 1) {
      const coordinate = outermost + direction * step;
      if (coordinate < 0 || coordinate >= axisSize) break;
      if (isVertebraLabel[grid.labelMap[lineKey + coordinate * stride]] === 1) {
        boundaryByLine.set(lineKey, coordinate - direction * 0.5);
        break;
      }
    }
  }
  if (boundaryByLine.size < minPoints) return null;

  return fitBoundary(grid, lines.axis, boundaryByLine, fromVertebra);
}

/**
 * True when the line, at its outermost disc voxel `discVoxel`, passes through the central part of the disc (within 75% of its radius,
 * taking the radius as twice the standard deviation along each in-plane axis, as for a uniform
 * ellipse). Near the rim the vertebral wall and bulging annulus do not lie on the endplate.
 */
function isCentralLine(grid: LabelGrid, discVoxel: number, shape: PrincipalAxes): boolean {
  const position = grid.transform.ijkToLps(voxelIndexToIjk(grid, discVoxel));
  const offset = subtract(position, shape.centroidLpsMm);
  const u = dot(offset, shape.axesLps[0]) / (2 * shape.standardDeviationsMm[0]);
  const v = dot(offset, shape.axesLps[1]) / (2 * shape.standardDeviationsMm[1]);
  return u * u + v * v <= 0.75 * 0.75;
}

/**
 * Fits a plane to a surface given as one boundary position per grid line (a height field).
 * Fitting only the flat faces (one per line) tilts the plane towards the grid when the surface
 * rises by about one voxel across the disc, so the riser faces between neighbouring lines join
 * the fit, each weighted by its area.
 */
export function fitBoundary(grid: LabelGrid, lineAxis: GridLineAxis, boundaryByLine: Map<number, number>, fromVertebra: boolean): EndplateFit | null {
  const { gridAxis, steps } = lineAxis;
  const spacingMm = steps.map((step) => length(step));
  const otherAxes = [0, 1, 2].filter((axis) => axis !== gridAxis);
  const sizes = [grid.columns, grid.rows, grid.slices];
  const strides = [1, grid.columns, grid.columns * grid.rows];
  const points: number[] = [];
  const weights: number[] = [];
  const flatPoints: number[] = [];
  const addFace = (ijk: Vec3, weight: number): void => {
    points.push(...grid.transform.ijkToLps(ijk));
    weights.push(weight);
  };
  for (const [lineKey, boundary] of boundaryByLine) {
    const lineIjk = voxelIndexToIjk(grid, lineKey);
    const flat: Vec3 = [lineIjk[0], lineIjk[1], lineIjk[2]];
    flat[gridAxis] = boundary;
    addFace(flat, spacingMm[otherAxes[0]] * spacingMm[otherAxes[1]]);
    flatPoints.push(...grid.transform.ijkToLps(flat));

    for (const [axisIndex, axis] of otherAxes.entries()) {
      if (lineIjk[axis] + 1 >= sizes[axis]) continue;
      const neighbourBoundary = boundaryByLine.get(lineKey + strides[axis]);
      if (neighbourBoundary === undefined || neighbourBoundary === boundary) continue;
      const crossAxis = otherAxes[1 - axisIndex];
      const low = Math.min(boundary, neighbourBoundary);
      const high = Math.max(boundary, neighbourBoundary);
      for (let coordinate = low + 0.5; coordinate < high; coordinate += 1) {
        const riser: Vec3 = [lineIjk[0], lineIjk[1], lineIjk[2]];
        riser[axis] += 0.5;
        riser[gridAxis] = coordinate;
        addFace(riser, spacingMm[gridAxis] * spacingMm[crossAxis]);
      }
    }
  }

  const fit = fitPlane(points, weights);
  const spread = principalAxes(flatPoints);
  // A fit to points along a single line has no defined normal.
  if (spread.standardDeviationsMm[1] < 2) return null;
  return {
    normalLps: alignWith(fit.normalLps, HEAD_LPS),
    centerLpsMm: spread.centroidLpsMm,
    pointCount: boundaryByLine.size,
    rmsResidualMm: fit.rmsResidualMm,
    fromVertebra,
  };
}

/** The disc's extent along each grid line of the grid axis closest to the disc axis. */
interface DiscLines {
  axis: GridLineAxis;
  /** Lowest and highest index along the grid axis, per line. */
  ranges: LineRanges;
  medianThickness: number;
}

function discLines(grid: LabelGrid, discVoxels: Int32Array, axis: Vec3): DiscLines | null {
  const lineAxis = gridLineAxis(grid, axis);
  if (lineAxis === null) return null;
  const ranges = lineRanges(grid, discVoxels, lineAxis.gridAxis);
  const thicknesses = new Int32Array(ranges.count);
  for (let slot = 0; slot < ranges.count; slot += 1) thicknesses[slot] = ranges.max[slot] - ranges.min[slot] + 1;
  thicknesses.sort();
  return { axis: lineAxis, ranges, medianThickness: thicknesses[Math.floor(thicknesses.length / 2)] ?? 0 };
}

/**
 * Centre of the disc as the mean over its grid lines of each line's mid-thickness point. Every
 * line counts once, so a wedge-shaped disc's thick end does not pull the centre towards it as
 * it pulls the voxel centroid.
 */
function footprintCenter(grid: LabelGrid, lines: DiscLines): Vec3 {
  const { ranges } = lines;
  let sum: Vec3 = [0, 0, 0];
  for (let slot = 0; slot < ranges.count; slot += 1) {
    const ijk = voxelIndexToIjk(grid, ranges.keys[slot]);
    ijk[lines.axis.gridAxis] = (ranges.min[slot] + ranges.max[slot]) / 2;
    sum = add(sum, grid.transform.ijkToLps(ijk));
  }
  return scale(sum, 1 / ranges.count);
}

interface AxisChoice {
  normalLps: DirectionLps;
  method: string;
  /** Angle between the shape axis and the endplate axis, when both exist. */
  disagreementDeg: number | null;
}

/**
 * Combines the shape axis and the endplate normals. The endplate axis is the normalized sum of
 * both endplate normals (their bisector). When it agrees with the shape axis, the result is
 * their weighted mean, with the shape axis counting twice.
 */
function combineAxes(shapeNormal: DirectionLps | null, upper: EndplateFit | null, lower: EndplateFit | null, maxDisagreementDeg: number): AxisChoice | null {
  const surfaceWord = (upper?.fromVertebra ?? lower?.fromVertebra ?? true) ? 'endplates' : 'disc surfaces';
  let endplateAxis: Vec3 | null = null;
  let endplateLabel = '';
  const single = upper ?? lower;
  if (upper !== null && lower !== null) {
    endplateAxis = normalize(add(upper.normalLps, lower.normalLps));
    endplateLabel = `both ${surfaceWord}`;
  } else if (single !== null) {
    endplateAxis = single.normalLps;
    endplateLabel = `the ${upper !== null ? 'upper' : 'lower'} ${surfaceWord.replace(/s$/, '')}`;
  }

  if (endplateAxis === null) return shapeNormal === null ? null : { normalLps: shapeNormal, method: 'the disc shape', disagreementDeg: null };
  if (shapeNormal === null) return { normalLps: toDirection(endplateAxis), method: endplateLabel, disagreementDeg: null };

  const disagreementDeg = angleBetweenAxesDeg(shapeNormal, endplateAxis);
  if (disagreementDeg <= maxDisagreementDeg) {
    // On localizers of 1 to 1.5 mm pixels an endplate rises about one pixel across the disc, so its
    // plane fit is quantized more coarsely than the shape axis of the whole disc volume.
    const combined = normalize(add(endplateAxis, scale(shapeNormal, 2)));
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
