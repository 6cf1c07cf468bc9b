/**
 * Pixel to patient transforms of one image plane. DICOM places pixel (column c, row r) at
 * ImagePositionPatient + c * PixelSpacing[1] * rowCosine + r * PixelSpacing[0] * columnCosine,
 * because PixelSpacing[0] is the distance between rows and PixelSpacing[1] between columns.
 */
import { directionLps, pointLpsMm, type DirectionLps, type ImagePlaneGeometry, type PointLpsMm } from './types.ts';
import { addScaled, cross, dot, subtract } from './vec3.ts';

/** Unit normal of the plane: row cosine x column cosine. */
export function planeNormalLps(geometry: ImagePlaneGeometry): DirectionLps {
  const normal = cross(geometry.rowCosineLps, geometry.columnCosineLps);
  return directionLps(normal[0], normal[1], normal[2]);
}

/** Patient position of the (possibly fractional) pixel at `column`, `row`. */
export function pixelToLps(geometry: ImagePlaneGeometry, column: number, row: number): PointLpsMm {
  const alongRow = addScaled(geometry.imagePositionLpsMm, geometry.rowCosineLps, column * geometry.spacingBetweenColumnsMm);
  const point = addScaled(alongRow, geometry.columnCosineLps, row * geometry.spacingBetweenRowsMm);
  return pointLpsMm(point[0], point[1], point[2]);
}

/**
 * Projects a patient point onto the plane and returns its fractional pixel position and its
 * signed distance from the plane along `planeNormalLps`, millimetres.
 */
export function lpsToPixel(geometry: ImagePlaneGeometry, point: PointLpsMm): { column: number; row: number; distanceMm: number } {
  const offset = subtract(point, geometry.imagePositionLpsMm);
  return {
    column: dot(offset, geometry.rowCosineLps) / geometry.spacingBetweenColumnsMm,
    row: dot(offset, geometry.columnCosineLps) / geometry.spacingBetweenRowsMm,
    distanceMm: dot(offset, planeNormalLps(geometry)),
  };
}

/** Patient positions of the four outer pixel centres, in order (0,0), (columns-1,0), (columns-1,rows-1), (0,rows-1). */
export function imageCornersLps(geometry: ImagePlaneGeometry): [PointLpsMm, PointLpsMm, PointLpsMm, PointLpsMm] {
  const lastColumn = geometry.columns - 1;
  const lastRow = geometry.rows - 1;
  return [
    pixelToLps(geometry, 0, 0),
    pixelToLps(geometry, lastColumn, 0),
    pixelToLps(geometry, lastColumn, lastRow),
    pixelToLps(geometry, 0, lastRow),
  ];
}
