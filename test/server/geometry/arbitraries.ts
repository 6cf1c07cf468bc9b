/** fast-check generators of patient-space geometry shared by the geometry property tests. */
import fc from 'fast-check';

import { directionLps, pointLpsMm, type DirectionLps, type ImagePlaneGeometry, type PointLpsMm, type Vec3 } from '../../../server/geometry/types.ts';
import { cross, normalize } from '../../../server/geometry/vec3.ts';

export const coordinateMm = fc.double({ min: -500, max: 500, noNaN: true });

export const pointArbitrary: fc.Arbitrary<PointLpsMm> = fc.tuple(coordinateMm, coordinateMm, coordinateMm).map(([x, y, z]) => pointLpsMm(x, y, z));

/** Unit vectors drawn from non-degenerate raw triples. */
export const unitArbitrary: fc.Arbitrary<DirectionLps> = fc
  .tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }))
  .filter(([x, y, z]) => Math.hypot(x, y, z) > 0.1)
  .map(([x, y, z]) => {
    const unit = normalize([x, y, z]);
    return directionLps(unit[0], unit[1], unit[2]);
  });

/** Right-handed orthonormal frames (row cosine, column cosine, normal). */
export const frameArbitrary: fc.Arbitrary<[DirectionLps, DirectionLps, DirectionLps]> = fc
  .tuple(unitArbitrary, unitArbitrary)
  .filter(([a, b]) => Math.hypot(...cross(a, b)) > 0.1)
  .map(([a, b]) => {
    const normal = normalize(cross(a, b));
    const column = normalize(cross(normal, a));
    return [a, directionLps(...column), directionLps(...normal)];
  });

export const spacingArbitrary = fc.double({ min: 0.2, max: 5, noNaN: true });

export const imagePlaneArbitrary: fc.Arbitrary<ImagePlaneGeometry> = fc
  .record({
    position: pointArbitrary,
    frame: frameArbitrary,
    spacingBetweenRowsMm: spacingArbitrary,
    spacingBetweenColumnsMm: spacingArbitrary,
    rows: fc.integer({ min: 1, max: 512 }),
    columns: fc.integer({ min: 1, max: 512 }),
  })
  .map((record) => ({
    imagePositionLpsMm: record.position,
    rowCosineLps: record.frame[0],
    columnCosineLps: record.frame[1],
    spacingBetweenRowsMm: record.spacingBetweenRowsMm,
    spacingBetweenColumnsMm: record.spacingBetweenColumnsMm,
    rows: record.rows,
    columns: record.columns,
  }));

export function closeTo(a: Vec3, b: Vec3, toleranceMm: number): boolean {
  return Math.abs(a[0] - b[0]) <= toleranceMm && Math.abs(a[1] - b[1]) <= toleranceMm && Math.abs(a[2] - b[2]) <= toleranceMm;
}
