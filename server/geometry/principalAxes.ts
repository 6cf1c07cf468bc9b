/**
 * Principal component analysis of 3D point sets in patient coordinates, and the plane fit that
 * follows from it (the plane normal is the axis of least variance).
 */
import { directionLps, pointLpsMm, type DirectionLps, type PointLpsMm, type Vec3 } from './types.ts';
import { GeometryError } from './errors.ts';
import { cross, dot } from './vec3.ts';
import { symmetricEigen } from './symmetricEigen.ts';

export interface PrincipalAxes {
  centroidLpsMm: PointLpsMm;
  /** Unit axes, largest variance first; the third is `first x second` (right-handed). */
  axesLps: [DirectionLps, DirectionLps, DirectionLps];
  /** Standard deviation of the points along each axis, millimetres. */
  standardDeviationsMm: Vec3;
  /** Sum of weights (the point count when unweighted). */
  weightSum: number;
}

/**
 * Computes the weighted centroid and principal axes of `pointsLpsMm`, a flat array of x, y, z
 * triples. Throws ERR_TOO_FEW_POINTS for fewer than 3 points or a zero total weight.
 */
export function principalAxes(pointsLpsMm: ArrayLike<number>, weights?: ArrayLike<number>): PrincipalAxes {
  const count = Math.floor(pointsLpsMm.length / 3);
  if (count < 3) {
    throw new GeometryError('ERR_TOO_FEW_POINTS', `Principal axes need at least 3 points, got ${count}. Pass a larger mask or point set.`);
  }

  let weightSum = 0;
  let meanX = 0;
  let meanY = 0;
  let meanZ = 0;
  for (let index = 0; index < count; index += 1) {
    const weight = weights === undefined ? 1 : weights[index];
    weightSum += weight;
    meanX += weight * pointsLpsMm[index * 3];
    meanY += weight * pointsLpsMm[index * 3 + 1];
    meanZ += weight * pointsLpsMm[index * 3 + 2];
  }
  if (!(weightSum > 0)) {
    throw new GeometryError('ERR_TOO_FEW_POINTS', `Principal axes need a positive total weight, got ${weightSum}. Pass positive weights.`);
  }
  meanX /= weightSum;
  meanY /= weightSum;
  meanZ /= weightSum;

  let xx = 0;
  let xy = 0;
  let xz = 0;
  let yy = 0;
  let yz = 0;
  let zz = 0;
  for (let index = 0; index < count; index += 1) {
    const weight = weights === undefined ? 1 : weights[index];
    const dx = pointsLpsMm[index * 3] - meanX;
    const dy = pointsLpsMm[index * 3 + 1] - meanY;
    const dz = pointsLpsMm[index * 3 + 2] - meanZ;
    xx += weight * dx * dx;
    xy += weight * dx * dy;
    xz += weight * dx * dz;
    yy += weight * dy * dy;
    yz += weight * dy * dz;
    zz += weight * dz * dz;
  }
  const eigen = symmetricEigen([
    [xx / weightSum, xy / weightSum, xz / weightSum],
    [xy / weightSum, yy / weightSum, yz / weightSum],
    [xz / weightSum, yz / weightSum, zz / weightSum],
  ]);

  const first = eigen.vectors[0];
  const second = eigen.vectors[1];
  const third = cross(first, second);
  return {
    centroidLpsMm: pointLpsMm(meanX, meanY, meanZ),
    axesLps: [directionLps(...first), directionLps(...second), directionLps(...third)],
    standardDeviationsMm: [Math.sqrt(Math.max(0, eigen.values[0])), Math.sqrt(Math.max(0, eigen.values[1])), Math.sqrt(Math.max(0, eigen.values[2]))],
    weightSum,
  };
}

/** A least-squares plane: centroid, unit normal and the root-mean-square distance of the points from it. */
export interface PlaneFit {
  pointLpsMm: PointLpsMm;
  normalLps: DirectionLps;
  rmsResidualMm: number;
}

/** Fits a plane to a flat array of x, y, z triples; the normal is the axis of least variance. */
export function fitPlane(pointsLpsMm: ArrayLike<number>, weights?: ArrayLike<number>): PlaneFit {
  const axes = principalAxes(pointsLpsMm, weights);
  return { pointLpsMm: axes.centroidLpsMm, normalLps: axes.axesLps[2], rmsResidualMm: axes.standardDeviationsMm[2] };
}

/** Orients `direction` so that it has a non-negative component along `reference`. */
export function alignWith(direction: DirectionLps, reference: Vec3): DirectionLps {
  return dot(direction, reference) < 0 ? directionLps(-direction[0], -direction[1], -direction[2]) : direction;
}
