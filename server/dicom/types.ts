import type { ImagePlaneGeometry, PatientPosition } from '../geometry/types.ts';

/**
 * One decoded MR image (or one frame of an enhanced multi-frame object), with the header
 * fields the co-pilot uses. Patient-identifying fields are kept apart in `patient` so that
 * loggers can drop them in one place.
 */
export interface MrImage {
  sopInstanceUid: string;
  sopClassUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  seriesNumber: number | null;
  instanceNumber: number | null;
  /** 1-based frame number for enhanced multi-frame objects, null for single-frame images. */
  frameNumber: number | null;
  seriesDescription: string;
  patientPosition: PatientPosition | null;
  geometry: ImagePlaneGeometry;
  sliceThicknessMm: number | null;
  /** Pixel data after rescale slope and intercept, row-major (index = row * columns + column). */
  pixels: Float32Array;
  acquisitionTime: string | null;
  /** Phase encoding direction (0018,1312): 'ROW' or 'COL', when present. */
  phaseEncodingDirection: 'ROW' | 'COL' | null;
  patient: { name: string; id: string; birthDate: string };
}

/** A series sorted along its slice normal, as the segmenter and QC consume it. */
export interface MrSeries {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  seriesDescription: string;
  /** Images sorted by position along the slice normal (ascending). */
  images: MrImage[];
}
