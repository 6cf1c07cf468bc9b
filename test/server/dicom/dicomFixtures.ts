/**
 * Builders of small DICOM Part 10 files with known geometry, written with dcmjs, for parser
 * and series tests.
 */
import { dcmjsData } from '../../../server/dicom/dcmjsLibrary.ts';

export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
export const ENHANCED_MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4.1';
export const SECONDARY_CAPTURE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';
export const EXPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';

export interface ClassicImageOptions {
  sopInstanceUid?: string;
  sopClassUid?: string;
  seriesInstanceUid?: string;
  frameOfReferenceUid?: string;
  rows?: number;
  columns?: number;
  imagePositionPatient?: number[];
  imageOrientationPatient?: number[];
  pixelSpacing?: number[] | null;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  pixelRepresentation?: 0 | 1;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  patientPosition?: string;
  instanceNumber?: number;
  pixelValues?: number[];
  transferSyntaxUid?: string;
  /** Attributes to remove after the defaults are applied. */
  omit?: string[];
  extra?: Record<string, unknown>;
}

/** Writes one classic single-frame MR image; pixel values default to 0, 1, 2, ... */
export function writeClassicImage(options: ClassicImageOptions = {}): Uint8Array {
  const rows = options.rows ?? 4;
  const columns = options.columns ?? 3;
  const bitsAllocated = options.bitsAllocated ?? 16;
  const pixelRepresentation = options.pixelRepresentation ?? 0;
  const values = options.pixelValues ?? Array.from({ length: rows * columns }, (_, index) => index);
  const dataset: Record<string, unknown> = {
    SOPClassUID: options.sopClassUid ?? MR_IMAGE_STORAGE,
    SOPInstanceUID: options.sopInstanceUid ?? '1.2.826.0.1.3680043.9.1.1',
    StudyInstanceUID: '1.2.826.0.1.3680043.9.1',
    SeriesInstanceUID: options.seriesInstanceUid ?? '1.2.826.0.1.3680043.9.1.2',
    FrameOfReferenceUID: options.frameOfReferenceUid ?? '1.2.826.0.1.3680043.9.1.3',
    Modality: 'MR',
    PatientName: 'Phantom^Test',
    PatientID: 'PHANTOM-1',
    PatientBirthDate: '19700101',
    SeriesNumber: 3,
    InstanceNumber: options.instanceNumber ?? 1,
    SeriesDescription: 'sag T2 localizer',
    PatientPosition: options.patientPosition ?? 'HFS',
    ImagePositionPatient: options.imagePositionPatient ?? [-10, -20, 30],
    ImageOrientationPatient: options.imageOrientationPatient ?? [0, 1, 0, 0, 0, -1],
    SliceThickness: 4,
    InPlanePhaseEncodingDirection: 'COL',
    AcquisitionTime: '101500.25',
    Rows: rows,
    Columns: columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: bitsAllocated,
    BitsStored: options.bitsStored ?? bitsAllocated,
    HighBit: (options.bitsStored ?? bitsAllocated) - 1,
    PixelRepresentation: pixelRepresentation,
    PixelData: packPixels(values, bitsAllocated, pixelRepresentation),
    _vrMap: { PixelData: bitsAllocated === 8 ? 'OB' : 'OW' },
    ...options.extra,
  };
  if (options.pixelSpacing !== null) dataset.PixelSpacing = options.pixelSpacing ?? [0.8, 0.5];
  if (options.rescaleSlope !== undefined) dataset.RescaleSlope = options.rescaleSlope;
  if (options.rescaleIntercept !== undefined) dataset.RescaleIntercept = options.rescaleIntercept;
  for (const name of options.omit ?? []) delete dataset[name];
  return writePart10(dataset, options.transferSyntaxUid ?? EXPLICIT_LITTLE_ENDIAN);
}

export interface EnhancedFrame {
  imagePositionPatient: number[];
  rescaleSlope?: number;
  rescaleIntercept?: number;
}

/**
 * Writes one enhanced MR object whose orientation and spacing sit in the shared functional
 * groups and whose positions (and optionally rescale) sit in the per-frame groups.
 */
export function writeEnhancedImage(options: {
  frames: EnhancedFrame[];
  rows?: number;
  columns?: number;
  imageOrientationPatient?: number[];
  pixelSpacing?: number[] | null;
  omitPositionOfFrame?: number;
}): Uint8Array {
  const rows = options.rows ?? 2;
  const columns = options.columns ?? 2;
  const pixelCount = rows * columns;
  const values = options.frames.flatMap((_, frameIndex) => Array.from({ length: pixelCount }, (_, index) => frameIndex * 100 + index));
  const pixelMeasures: Record<string, unknown> = { SliceThickness: 3 };
  if (options.pixelSpacing !== null) pixelMeasures.PixelSpacing = options.pixelSpacing ?? [1.5, 1.25];
  const dataset: Record<string, unknown> = {
    SOPClassUID: ENHANCED_MR_IMAGE_STORAGE,
    SOPInstanceUID: '1.2.826.0.1.3680043.9.2.1',
    StudyInstanceUID: '1.2.826.0.1.3680043.9.2',
    SeriesInstanceUID: '1.2.826.0.1.3680043.9.2.2',
    FrameOfReferenceUID: '1.2.826.0.1.3680043.9.2.3',
    Modality: 'MR',
    PatientPosition: 'FFS',
    NumberOfFrames: options.frames.length,
    Rows: rows,
    Columns: columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: options.imageOrientationPatient ?? [1, 0, 0, 0, 1, 0] }],
        PixelMeasuresSequence: [pixelMeasures],
        MRFOVGeometrySequence: [{ InPlanePhaseEncodingDirection: 'ROW' }],
      },
    ],
    PerFrameFunctionalGroupsSequence: options.frames.map((frame, frameIndex) => {
      const groups: Record<string, unknown> = {
        FrameContentSequence: [{ FrameAcquisitionDateTime: `20261204${String(101500 + frameIndex)}` }],
      };
      if (options.omitPositionOfFrame !== frameIndex) {
        groups.PlanePositionSequence = [{ ImagePositionPatient: frame.imagePositionPatient }];
      }
      if (frame.rescaleSlope !== undefined || frame.rescaleIntercept !== undefined) {
        groups.PixelValueTransformationSequence = [
          { RescaleSlope: frame.rescaleSlope ?? 1, RescaleIntercept: frame.rescaleIntercept ?? 0, RescaleType: 'US' },
        ];
      }
      return groups;
    }),
    PixelData: packPixels(values, 16, 0),
    _vrMap: { PixelData: 'OW' },
  };
  return writePart10(dataset, EXPLICIT_LITTLE_ENDIAN);
}

export function packPixels(values: number[], bitsAllocated: 8 | 16, pixelRepresentation: 0 | 1): ArrayBuffer {
  const bytesPerPixel = bitsAllocated / 8;
  const byteLength = values.length * bytesPerPixel;
  const buffer = new ArrayBuffer(byteLength + (byteLength % 2));
  const view = new DataView(buffer);
  values.forEach((value, index) => {
    if (bitsAllocated === 8) {
      if (pixelRepresentation === 1) view.setInt8(index, value);
      else view.setUint8(index, value);
    } else if (pixelRepresentation === 1) view.setInt16(index * 2, value, true);
    else view.setUint16(index * 2, value, true);
  });
  return buffer;
}

export function writePart10(dataset: Record<string, unknown>, transferSyntaxUid: string): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: '1.2.826.0.1.3680043.9.99',
  };
  const dict = new dcmjsData.DicomDict(dcmjsData.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
