/**
 * Grouping of parsed images into one series sorted along its slice normal.
 */
import type { MrImage, MrSeries } from './types.ts';
import { cross, dot } from '../geometry/vec3.ts';
import { DicomInputError } from './errors.ts';
import { sliceStackFromPlanes, type SliceStackGeometry, type SliceStackOptions } from '../geometry/sliceStack.ts';

export interface BuildSeriesOptions {
  /** Maximum angle between the orientation of any image and the first one, degrees. Default 0.5. */
  maxOrientationDifferenceDeg?: number;
  /** Minimum distance between adjacent slices along the normal, millimetres; closer ones are duplicates. Default 0.01. */
  minSliceDistanceMm?: number;
}

/**
 * Checks that `images` form one stack (same series, frame of reference, orientation, matrix
 * and pixel spacing) and returns them sorted by position along the slice normal
 * (row cosine x column cosine), ascending. The input array is not modified.
 */
export function buildSeries(images: MrImage[], options: BuildSeriesOptions = {}): MrSeries {
  const maxOrientationDifferenceDeg = options.maxOrientationDifferenceDeg ?? 0.5;
  const minSliceDistanceMm = options.minSliceDistanceMm ?? 0.01;

  if (images.length === 0) {
    throw new DicomInputError('ERR_EMPTY_SERIES', 'Cannot build a series from 0 images. Send at least one image of the localizer.');
  }
  const first = images[0];
  const seriesLabel = `Series ${first.seriesInstanceUid}`;
  const minCosine = Math.cos((maxOrientationDifferenceDeg * Math.PI) / 180);

  for (const image of images) {
    if (image.seriesInstanceUid !== first.seriesInstanceUid) {
      throw new DicomInputError(
        'ERR_MIXED_SERIES',
        `Image ${image.sopInstanceUid} belongs to series ${image.seriesInstanceUid}, not ${first.seriesInstanceUid}. Group images by SeriesInstanceUID before building a series.`,
        image.sopInstanceUid,
      );
    }
    if (image.frameOfReferenceUid !== first.frameOfReferenceUid) {
      throw new DicomInputError(
        'ERR_MIXED_FRAME_OF_REFERENCE',
        `${seriesLabel}: image ${image.sopInstanceUid} has FrameOfReferenceUID ${image.frameOfReferenceUid}, not ${first.frameOfReferenceUid}, so their positions are not comparable. Send images of one frame of reference.`,
        image.sopInstanceUid,
      );
    }
    const rowAgreement = dot(image.geometry.rowCosineLps, first.geometry.rowCosineLps);
    const columnAgreement = dot(image.geometry.columnCosineLps, first.geometry.columnCosineLps);
    if (rowAgreement < minCosine || columnAgreement < minCosine) {
      throw new DicomInputError(
        'ERR_MIXED_ORIENTATION',
        `${seriesLabel}: image ${image.sopInstanceUid} has ImageOrientationPatient ${[...image.geometry.rowCosineLps, ...image.geometry.columnCosineLps].join('\\')}, which differs from ${[...first.geometry.rowCosineLps, ...first.geometry.columnCosineLps].join('\\')} by more than ${maxOrientationDifferenceDeg} degrees. Send one stack of parallel slices per series (split a 3-plane localizer by orientation).`,
        image.sopInstanceUid,
      );
    }
    const sameGrid =
      image.geometry.rows === first.geometry.rows &&
      image.geometry.columns === first.geometry.columns &&
      Math.abs(image.geometry.spacingBetweenRowsMm - first.geometry.spacingBetweenRowsMm) < 1e-6 &&
      Math.abs(image.geometry.spacingBetweenColumnsMm - first.geometry.spacingBetweenColumnsMm) < 1e-6;
    if (!sameGrid) {
      throw new DicomInputError(
        'ERR_MIXED_GEOMETRY',
        `${seriesLabel}: image ${image.sopInstanceUid} is ${image.geometry.rows}x${image.geometry.columns} at ${image.geometry.spacingBetweenRowsMm}\\${image.geometry.spacingBetweenColumnsMm} mm, but the first image is ${first.geometry.rows}x${first.geometry.columns} at ${first.geometry.spacingBetweenRowsMm}\\${first.geometry.spacingBetweenColumnsMm} mm. Send slices with one matrix and pixel spacing.`,
        image.sopInstanceUid,
      );
    }
  }

  const normal = cross(first.geometry.rowCosineLps, first.geometry.columnCosineLps);
  const sorted = images
    .map((image, index) => ({ image, index, distanceMm: dot(image.geometry.imagePositionLpsMm, normal) }))
    .sort((a, b) => a.distanceMm - b.distanceMm || a.index - b.index);

  for (let index = 1; index < sorted.length; index += 1) {
    if (sorted[index].distanceMm - sorted[index - 1].distanceMm < minSliceDistanceMm) {
      const duplicate = sorted[index].image;
      throw new DicomInputError(
        'ERR_DUPLICATE_POSITION',
        `${seriesLabel}: images ${sorted[index - 1].image.sopInstanceUid} and ${duplicate.sopInstanceUid} lie at the same position along the slice normal (${sorted[index].distanceMm.toFixed(3)} mm). Send one image per slice position (one echo, one repetition).`,
        duplicate.sopInstanceUid,
      );
    }
  }

  return {
    studyInstanceUid: first.studyInstanceUid,
    seriesInstanceUid: first.seriesInstanceUid,
    frameOfReferenceUid: first.frameOfReferenceUid,
    seriesDescription: first.seriesDescription,
    images: sorted.map((entry) => entry.image),
  };
}

/**
 * Stack geometry of a sorted series, for voxel to patient transforms. A single-image series
 * uses its SliceThickness as the slice spacing.
 */
export function seriesStackGeometry(series: MrSeries, options: SliceStackOptions = {}): SliceStackGeometry {
  const singleSliceSpacingMm = options.singleSliceSpacingMm ?? series.images[0]?.sliceThicknessMm ?? undefined;
  return sliceStackFromPlanes(
    series.images.map((image) => image.geometry),
    { ...options, singleSliceSpacingMm },
  );
}
