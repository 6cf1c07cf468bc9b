/**
 * Synthetic lumbar spines with known disc centres and axes, rasterized onto localizer grids of
 * any orientation, for planner tests. Discs are elliptic slabs between two endplate planes
 * (wedge-shaped when the planes differ), and vertebral bodies fill the space between discs.
 */
import type { MrImage, MrSeries } from '../../../server/dicom/types.ts';
import type { SegmentationResult } from '../../../server/inference/types.ts';
import { directionLps, pointLpsMm, type PatientPosition, type Vec3 } from '../../../server/geometry/types.ts';
import { buildSeries } from '../../../server/dicom/series.ts';
import { rotateAboutAxis } from '../../../server/geometry/rotation.ts';
import { add, addScaled, cross, dot, normalize, scale, subtract } from '../../../server/geometry/vec3.ts';
import { patientToMagnetMatrix } from '../../../server/geometry/patientPosition.ts';
import { transpose, multiplyVector } from '../../../server/geometry/matrix3.ts';

export const DISC_NAMES = ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1'];
export const VERTEBRA_NAMES = ['L1', 'L2', 'L3', 'L4', 'L5', 'S1'];

export interface DiscGeometry {
  level: string;
  centerLpsMm: Vec3;
  /** Bisector of the endplate normals, pointing to the head. */
  normalLps: Vec3;
  upperNormalLps: Vec3;
  lowerNormalLps: Vec3;
  heightMm: number;
  radiusApMm: number;
  radiusLrMm: number;
}

export interface SpineOptions {
  /** Centre of the L3/L4 disc. Default (0, 0, 0). */
  centerLpsMm?: Vec3;
  /** Tilt of the middle disc about the left-right axis (x), degrees; positive turns the normal towards posterior. */
  sagittalTiltDeg?: number;
  /** Change of tilt from one disc to the next (lordosis), degrees. Default 6. */
  lordosisStepDeg?: number;
  /** Tilt of the whole spine about the anterior-posterior axis (y), degrees. */
  coronalTiltDeg?: number;
  /** Rotation of the whole spine about the head-feet axis (z), degrees. */
  axialRotationDeg?: number;
  /** Angle between the two endplates of every disc, degrees (anterior thicker). Default 6. */
  wedgeDeg?: number;
  /** Distance between adjacent disc centres, millimetres. Default 38. */
  levelSpacingMm?: number;
}

/** Builds the five lumbar discs from L1/L2 (top) to L5/S1. */
export function makeSpine(options: SpineOptions = {}): DiscGeometry[] {
  const center = options.centerLpsMm ?? [0, 0, 0];
  const lordosisStepDeg = options.lordosisStepDeg ?? 6;
  const wedgeDeg = options.wedgeDeg ?? 6;
  const levelSpacingMm = options.levelSpacingMm ?? 38;
  const whole = (vector: Vec3): Vec3 =>
    rotateAboutAxis(rotateAboutAxis(vector, [0, 1, 0], options.coronalTiltDeg ?? 0), [0, 0, 1], options.axialRotationDeg ?? 0);

  // Local frame before the whole-spine rotations: discs stacked along z, tilted about x.
  const tilts = DISC_NAMES.map((_, index) => (options.sagittalTiltDeg ?? 0) + (index - 2) * lordosisStepDeg);
  const localNormals = tilts.map((tiltDeg) => rotateAboutAxis([0, 0, 1], [1, 0, 0], -tiltDeg));
  const localCenters: Vec3[] = [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let index = 3; index < 5; index += 1) {
    const step = normalize(add(localNormals[index - 1], localNormals[index]));
    localCenters[index] = addScaled(localCenters[index - 1], step, -levelSpacingMm);
  }
  for (let index = 1; index >= 0; index -= 1) {
    const step = normalize(add(localNormals[index + 1], localNormals[index]));
    localCenters[index] = addScaled(localCenters[index + 1], step, levelSpacingMm);
  }

  return DISC_NAMES.map((level, index) => {
    const normal = whole(localNormals[index]);
    // Anterior is -y; the wedge opens anteriorly, so the endplates turn about the left-right axis.
    const lateral = whole([1, 0, 0]);
    return {
      level,
      centerLpsMm: add(center, whole(localCenters[index])),
      normalLps: normal,
      upperNormalLps: rotateAboutAxis(normal, lateral, wedgeDeg / 2),
      lowerNormalLps: rotateAboutAxis(normal, lateral, -wedgeDeg / 2),
      heightMm: 10,
      radiusApMm: 17,
      radiusLrMm: 22,
    };
  });
}

export interface LocalizerOptions {
  rows?: number;
  columns?: number;
  slices?: number;
  pixelSpacingMm?: number;
  sliceSpacingMm?: number;
  /** Row and column cosines; default sagittal (row posterior, column feet). */
  rowCosine?: Vec3;
  columnCosine?: Vec3;
  centerLpsMm?: Vec3;
  patientPosition?: PatientPosition;
}

/** Builds an empty localizer series of parallel slices centred on `centerLpsMm`. */
export function makeLocalizer(options: LocalizerOptions = {}): MrSeries {
  const rows = options.rows ?? 200;
  const columns = options.columns ?? 160;
  const slices = options.slices ?? 17;
  const pixelSpacingMm = options.pixelSpacingMm ?? 1.5;
  const sliceSpacingMm = options.sliceSpacingMm ?? 4;
  const row = normalize(options.rowCosine ?? [0, 1, 0]);
  const column = normalize(options.columnCosine ?? [0, 0, -1]);
  const normal = cross(row, column);
  const center = options.centerLpsMm ?? [0, 0, 0];

  const images: MrImage[] = [];
  for (let slice = 0; slice < slices; slice += 1) {
    let position = addScaled(center, normal, (slice - (slices - 1) / 2) * sliceSpacingMm);
    position = addScaled(position, row, (-(columns - 1) / 2) * pixelSpacingMm);
    position = addScaled(position, column, (-(rows - 1) / 2) * pixelSpacingMm);
    images.push({
      sopInstanceUid: `1.2.826.0.1.3680043.9.7.${slice + 1}`,
      sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
      studyInstanceUid: '1.2.826.0.1.3680043.9.7',
      seriesInstanceUid: '1.2.826.0.1.3680043.9.7.100',
      frameOfReferenceUid: '1.2.826.0.1.3680043.9.7.200',
      seriesNumber: 1,
      instanceNumber: slice + 1,
      frameNumber: null,
      seriesDescription: 'synthetic localizer',
      patientPosition: options.patientPosition ?? 'HFS',
      geometry: {
        imagePositionLpsMm: pointLpsMm(position[0], position[1], position[2]),
        rowCosineLps: directionLps(row[0], row[1], row[2]),
        columnCosineLps: directionLps(column[0], column[1], column[2]),
        spacingBetweenRowsMm: pixelSpacingMm,
        spacingBetweenColumnsMm: pixelSpacingMm,
        rows,
        columns,
      },
      sliceThicknessMm: sliceSpacingMm,
      pixels: new Float32Array(rows * columns),
      acquisitionTime: null,
      phaseEncodingDirection: null,
      patient: { name: '', id: '', birthDate: '' },
    });
  }
  // Shuffle a little so that the series builder has to sort.
  images.reverse();
  return buildSeries(images);
}

/**
 * Row and column cosines of a sagittal localizer as a scanner sets them up for `position`:
 * rows along the magnet axis that lies anterior-posterior for this patient, columns along the
 * magnet's -z. Their LPS values differ between positions, so the planner receives flipped axes.
 */
export function sagittalLocalizerAxes(position: PatientPosition): { rowCosine: Vec3; columnCosine: Vec3 } {
  const magnetToPatient = transpose(patientToMagnetMatrix(position));
  const magnetAxes: Vec3[] = [
    [1, 0, 0],
    [0, 1, 0],
  ];
  const rowCosine = magnetAxes.map((axis) => multiplyVector(magnetToPatient, axis)).find((axis) => Math.abs(axis[1]) > 0.5) ?? [0, 1, 0];
  return { rowCosine, columnCosine: multiplyVector(magnetToPatient, [0, 0, -1]) };
}

export const LABEL_VALUES: Record<string, number> = {
  L1: 1, L2: 2, L3: 3, L4: 4, L5: 5, S1: 6,
  'L1/L2': 11, 'L2/L3': 12, 'L3/L4': 13, 'L4/L5': 14, 'L5/S1': 15,
};

export interface RasterizeOptions {
  /** Structures left out of the label map. */
  omit?: string[];
  /** Moves the voxels of one disc above this plane offset to another label (to split it). */
  relabel?: (name: string, pointLpsMm: Vec3) => string | null;
}

/** Rasterizes the discs and the vertebral bodies between them onto `localizer`'s grid. */
export function rasterizeSpine(discs: DiscGeometry[], localizer: MrSeries, options: RasterizeOptions = {}): SegmentationResult {
  const first = localizer.images[0].geometry;
  const rows = first.rows;
  const columns = first.columns;
  const slices = localizer.images.length;
  const labelMap = new Uint8Array(rows * columns * slices);
  const omit = new Set(options.omit ?? []);

  // Discs first: where a disc and a body overlap at a wedge's edge, the disc wins.
  const shapes = [...discs.map(discShape), ...vertebraShapes(discs)];
  for (let k = 0; k < slices; k += 1) {
    const plane = localizer.images[k].geometry;
    for (let j = 0; j < rows; j += 1) {
      for (let i = 0; i < columns; i += 1) {
        const point = addScaled(addScaled(plane.imagePositionLpsMm, plane.rowCosineLps, i * plane.spacingBetweenColumnsMm), plane.columnCosineLps, j * plane.spacingBetweenRowsMm);
        let name: string | null = null;
        for (const shape of shapes) {
          const dx = point[0] - shape.centerLpsMm[0];
          const dy = point[1] - shape.centerLpsMm[1];
          const dz = point[2] - shape.centerLpsMm[2];
          if (dx * dx + dy * dy + dz * dz > shape.boundingRadiusMm * shape.boundingRadiusMm) continue;
          if (shape.contains(point)) {
            name = shape.name;
            break;
          }
        }
        if (name !== null && options.relabel !== undefined) name = options.relabel(name, point);
        if (name === null || omit.has(name)) continue;
        labelMap[k * rows * columns + j * columns + i] = LABEL_VALUES[name];
      }
    }
  }

  const labelNames: Record<number, string> = {};
  for (const [name, value] of Object.entries(LABEL_VALUES)) labelNames[value] = name;
  return {
    seriesInstanceUid: localizer.seriesInstanceUid,
    frameOfReferenceUid: localizer.frameOfReferenceUid,
    structures: [],
    labelMap,
    labelNames,
    dims: { columns, rows, slices },
    confidence: 1,
    flags: [],
    model: { name: 'synthetic', version: '0', executionProvider: 'none' },
    timingMs: { preprocess: 0, inference: 0, postprocess: 0, total: 0 },
  };
}

interface Shape {
  name: string;
  centerLpsMm: Vec3;
  boundingRadiusMm: number;
  contains(point: Vec3): boolean;
}

/** In-plane axes of an elliptic cross-section perpendicular to `axis`: anterior and lateral. */
function ellipseAxes(axis: Vec3): { anterior: Vec3; lateral: Vec3 } {
  const anterior = normalize(subtract([0, -1, 0], scale(axis, -axis[1])));
  return { anterior, lateral: cross(axis, anterior) };
}

function discShape(disc: DiscGeometry): Shape {
  const { anterior, lateral } = ellipseAxes(disc.normalLps);
  const upperPoint = addScaled(disc.centerLpsMm, disc.normalLps, disc.heightMm / 2);
  const lowerPoint = addScaled(disc.centerLpsMm, disc.normalLps, -disc.heightMm / 2);
  return {
    name: disc.level,
    centerLpsMm: disc.centerLpsMm,
    boundingRadiusMm: Math.max(disc.radiusApMm, disc.radiusLrMm) + disc.heightMm,
    contains(point) {
      const offset = subtract(point, disc.centerLpsMm);
      if (dot(subtract(point, upperPoint), disc.upperNormalLps) > 0) return false;
      if (dot(subtract(point, lowerPoint), disc.lowerNormalLps) < 0) return false;
      const u = dot(offset, anterior) / disc.radiusApMm;
      const v = dot(offset, lateral) / disc.radiusLrMm;
      return u * u + v * v <= 1;
    },
  };
}

/** Vertebral bodies L1 to S1: between the facing endplates, 26 mm tall above L1/L2 and below L5/S1. */
function vertebraShapes(discs: DiscGeometry[]): Shape[] {
  return VERTEBRA_NAMES.map((name, index) => {
    const above = discs[index - 1];
    const below = discs[index];
    const topPoint = above !== undefined ? addScaled(above.centerLpsMm, above.normalLps, -above.heightMm / 2) : addScaled(below.centerLpsMm, below.normalLps, below.heightMm / 2 + 26);
    const topNormal = above?.lowerNormalLps ?? below.normalLps;
    const bottomPoint = below !== undefined ? addScaled(below.centerLpsMm, below.normalLps, below.heightMm / 2) : addScaled(above.centerLpsMm, above.normalLps, -above.heightMm / 2 - 26);
    const bottomNormal = below?.upperNormalLps ?? above.normalLps;
    const axis = normalize(subtract(topPoint, bottomPoint));
    const middle = scale(add(topPoint, bottomPoint), 0.5);
    const { anterior, lateral } = ellipseAxes(axis);
    return {
      name,
      centerLpsMm: middle,
      boundingRadiusMm: 45,
      contains(point: Vec3): boolean {
        if (dot(subtract(point, topPoint), topNormal) > 0) return false;
        if (dot(subtract(point, bottomPoint), bottomNormal) < 0) return false;
        const offset = subtract(point, middle);
        const u = dot(offset, anterior) / 16;
        const v = dot(offset, lateral) / 20;
        return u * u + v * v <= 1;
      },
    };
  });
}
