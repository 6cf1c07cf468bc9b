/**
 * DICOM Part 10 parsing into `MrImage`s: classic MR, enhanced multi-frame MR (functional
 * groups) and Secondary Capture objects that carry patient geometry. Pixel data must be native
 * (uncompressed); compressed transfer syntaxes are rejected with the syntax named.
 */
import type { MrImage } from './types.ts';
import { PATIENT_POSITIONS, directionLps, pointLpsMm, type ImagePlaneGeometry, type PatientPosition } from '../geometry/types.ts';
import { cross, dot, length } from '../geometry/vec3.ts';
import { dcmjsData } from './dcmjsLibrary.ts';
import { DicomInputError } from './errors.ts';
import {
  hasAttribute,
  readNumber,
  readNumbers,
  readPersonName,
  readSequence,
  readString,
  type Dataset,
} from './datasetFields.ts';
import { checkPixelFormat, decodeFrame, frameByteLength, isPixelDataTruncated, type Rescale } from './pixelData.ts';

export { DicomInputError, type DicomInputErrorCode } from './errors.ts';

export interface ParseDicomOptions {
  /** Maximum number of frames accepted in one object; larger objects raise ERR_FRAME_LIMIT. Default 2048. */
  maxFrames?: number;
  /** Maximum deviation of an ImageOrientationPatient cosine from unit length and orthogonality. Default 1e-3. */
  maxOrientationError?: number;
}

const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const EXPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const DEFLATED_EXPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
const NATIVE_TRANSFER_SYNTAXES = new Set([IMPLICIT_LITTLE_ENDIAN, EXPLICIT_LITTLE_ENDIAN, DEFLATED_EXPLICIT_LITTLE_ENDIAN]);

/** Names of common transfer syntaxes the parser rejects, for error messages. */
const KNOWN_UNSUPPORTED_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian (retired)',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

const UNKNOWN_UID = '(no SOP Instance UID)';

/**
 * Parses one DICOM Part 10 file into one `MrImage` per frame. Throws `DicomInputError` with a
 * stable code when the file is not DICOM, is cut short, uses compressed pixel data, or lacks
 * the geometry (position, orientation, pixel spacing, frame of reference) planning needs.
 * Pixel spacing is never defaulted.
 */
export function parseDicomPart10(bytes: Uint8Array, options: ParseDicomOptions = {}): MrImage[] {
  const maxFrames = options.maxFrames ?? 2048;
  const maxOrientationError = options.maxOrientationError ?? 1e-3;

  const { dataset, transferSyntaxUid } = readPart10(bytes);
  const sopInstanceUid = readString(dataset, 'SOPInstanceUID') ?? UNKNOWN_UID;

  if (!NATIVE_TRANSFER_SYNTAXES.has(transferSyntaxUid)) {
    const syntaxName = KNOWN_UNSUPPORTED_SYNTAXES[transferSyntaxUid] ?? 'an unknown syntax';
    throw new DicomInputError(
      'ERR_UNSUPPORTED_TRANSFER_SYNTAX',
      `Image ${sopInstanceUid} uses transfer syntax ${transferSyntaxUid} (${syntaxName}); only uncompressed little-endian pixel data is supported. Configure the scanner or sender to send Explicit VR Little Endian (1.2.840.10008.1.2.1).`,
      sopInstanceUid,
    );
  }

  const identity = readIdentity(dataset, sopInstanceUid);
  const format = checkPixelFormat(
    {
      rows: readNumber(dataset, 'Rows'),
      columns: readNumber(dataset, 'Columns'),
      samplesPerPixel: readNumber(dataset, 'SamplesPerPixel'),
      bitsAllocated: readNumber(dataset, 'BitsAllocated'),
      bitsStored: readNumber(dataset, 'BitsStored'),
      highBit: readNumber(dataset, 'HighBit'),
      pixelRepresentation: readNumber(dataset, 'PixelRepresentation'),
    },
    sopInstanceUid,
  );

  const frameCount = readNumber(dataset, 'NumberOfFrames') ?? 1;
  if (!Number.isInteger(frameCount) || frameCount < 1) {
    throw new DicomInputError(
      'ERR_MISSING_PIXEL_DATA',
      `Image ${sopInstanceUid} has NumberOfFrames ${frameCount}; it must be a positive integer. Re-export the object.`,
      sopInstanceUid,
    );
  }
  if (frameCount > maxFrames) {
    throw new DicomInputError(
      'ERR_FRAME_LIMIT',
      `Image ${sopInstanceUid} has ${frameCount} frames, more than maxFrames (${maxFrames}). Raise maxFrames or send the series as single-frame images.`,
      sopInstanceUid,
    );
  }

  const pixelData = readPixelData(dataset, sopInstanceUid);
  const expectedBytes = frameByteLength(format) * frameCount;
  const truncated =
    pixelData.byteLength < expectedBytes ||
    (transferSyntaxUid !== DEFLATED_EXPLICIT_LITTLE_ENDIAN && isPixelDataTruncated(bytes, expectedBytes));
  if (truncated) {
    throw new DicomInputError(
      'ERR_TRUNCATED',
      `Image ${sopInstanceUid} ends before its pixel data does (${expectedBytes} bytes expected for ${frameCount} frame(s) of ${format.rows}x${format.columns} at ${format.bitsAllocated} bits). Resend the file; it was probably cut off in transfer.`,
      sopInstanceUid,
    );
  }

  const frames = readFrameAttributes(dataset, frameCount, sopInstanceUid, maxOrientationError);
  const images: MrImage[] = [];
  for (let frameIndex = 0; frameIndex < frameCount; frameIndex += 1) {
    const frame = frames[frameIndex];
    images.push({
      ...identity,
      frameNumber: frameCount > 1 || hasAttribute(dataset, 'PerFrameFunctionalGroupsSequence') ? frameIndex + 1 : null,
      geometry: { ...frame.geometry, rows: format.rows, columns: format.columns },
      sliceThicknessMm: frame.sliceThicknessMm,
      pixels: decodeFrame(pixelData, frameIndex, format, frame.rescale),
      acquisitionTime: frame.acquisitionTime,
      phaseEncodingDirection: frame.phaseEncodingDirection,
    });
  }
  return images;
}

function readPart10(bytes: Uint8Array): { dataset: Dataset; transferSyntaxUid: string } {
  const hasPreamble =
    bytes.byteLength >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  if (!hasPreamble) {
    throw new DicomInputError(
      'ERR_NOT_DICOM',
      `Input of ${bytes.byteLength} bytes is not a DICOM Part 10 file: the "DICM" marker after the 128-byte preamble is missing. Send a DICOM file with its file meta information.`,
    );
  }

  // dcmjs reads from an ArrayBuffer, so copy the view out of any larger (pooled) buffer.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let dict;
  try {
    dict = dcmjsData.DicomMessage.readFile(buffer instanceof ArrayBuffer ? buffer : new Uint8Array(bytes).buffer);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const cutShort = error instanceof RangeError || /end of (input|buffer)|out of bounds|beyond/i.test(reason);
    throw new DicomInputError(
      cutShort ? 'ERR_TRUNCATED' : 'ERR_NOT_DICOM',
      cutShort
        ? `DICOM file of ${bytes.byteLength} bytes ends in the middle of an element (${reason}). Resend the file; it was probably cut off in transfer.`
        : `DICOM file of ${bytes.byteLength} bytes could not be read (${reason}). Check that the sender writes valid DICOM Part 10 files.`,
    );
  }

  const transferSyntaxValue = dict.meta['00020010']?.Value?.[0];
  if (typeof transferSyntaxValue !== 'string' || transferSyntaxValue.trim() === '') {
    throw new DicomInputError(
      'ERR_NOT_DICOM',
      'DICOM file has no Transfer Syntax UID (0002,0010) in its file meta information. Check that the sender writes valid DICOM Part 10 files.',
    );
  }
  return {
    dataset: dcmjsData.DicomMetaDictionary.naturalizeDataset(dict.dict),
    transferSyntaxUid: transferSyntaxValue.trim().replace(/\0+$/, ''),
  };
}

type ImageIdentity = Omit<MrImage, 'frameNumber' | 'geometry' | 'sliceThicknessMm' | 'pixels' | 'acquisitionTime' | 'phaseEncodingDirection'>;

function readIdentity(dataset: Dataset, sopInstanceUid: string): ImageIdentity {
  const requiredUids = ['SOPInstanceUID', 'SOPClassUID', 'StudyInstanceUID', 'SeriesInstanceUID'] as const;
  for (const name of requiredUids) {
    if (readString(dataset, name) === null) {
      throw new DicomInputError(
        'ERR_MISSING_UID',
        `Image ${sopInstanceUid} has no ${name}. Re-export the image from the scanner; every image needs its SOP, study and series UIDs.`,
        sopInstanceUid === UNKNOWN_UID ? null : sopInstanceUid,
      );
    }
  }
  const frameOfReferenceUid = readString(dataset, 'FrameOfReferenceUID');
  if (frameOfReferenceUid === null) {
    throw new DicomInputError(
      'ERR_MISSING_GEOMETRY',
      `Image ${sopInstanceUid} has no FrameOfReferenceUID, so its positions cannot be related to other series. Send images with the Frame of Reference module (MR images from the scanner have it).`,
      sopInstanceUid,
    );
  }
  return {
    sopInstanceUid,
    sopClassUid: readString(dataset, 'SOPClassUID') ?? '',
    studyInstanceUid: readString(dataset, 'StudyInstanceUID') ?? '',
    seriesInstanceUid: readString(dataset, 'SeriesInstanceUID') ?? '',
    frameOfReferenceUid,
    seriesNumber: readNumber(dataset, 'SeriesNumber'),
    instanceNumber: readNumber(dataset, 'InstanceNumber'),
    seriesDescription: readString(dataset, 'SeriesDescription') ?? '',
    patientPosition: readPatientPosition(dataset, sopInstanceUid),
    patient: {
      name: readPersonName(dataset, 'PatientName'),
      id: readString(dataset, 'PatientID') ?? '',
      birthDate: readString(dataset, 'PatientBirthDate') ?? '',
    },
  };
}

function readPatientPosition(dataset: Dataset, sopInstanceUid: string): PatientPosition | null {
  const value = readString(dataset, 'PatientPosition');
  if (value === null) return null;
  const known = PATIENT_POSITIONS.find((position) => position === value.toUpperCase());
  if (known === undefined) {
    throw new DicomInputError(
      'ERR_INVALID_PATIENT_POSITION',
      `Image ${sopInstanceUid} has PatientPosition "${value}"; expected one of ${PATIENT_POSITIONS.join(', ')}. Correct the patient position on the scanner and resend.`,
      sopInstanceUid,
    );
  }
  return known;
}

function readPixelData(dataset: Dataset, sopInstanceUid: string): Uint8Array {
  const value = dataset.PixelData;
  const first = Array.isArray(value) ? value[0] : value;
  if (first instanceof ArrayBuffer) return new Uint8Array(first);
  if (ArrayBuffer.isView(first)) return new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
  throw new DicomInputError(
    'ERR_MISSING_PIXEL_DATA',
    `Image ${sopInstanceUid} has no Pixel Data (7FE0,0010). Send the image itself, not a header-only object.`,
    sopInstanceUid,
  );
}

interface FrameAttributes {
  geometry: Omit<ImagePlaneGeometry, 'rows' | 'columns'>;
  sliceThicknessMm: number | null;
  rescale: Rescale;
  acquisitionTime: string | null;
  phaseEncodingDirection: 'ROW' | 'COL' | null;
}

/**
 * Reads the per-frame attributes. Enhanced objects take each functional group macro from the
 * frame's item of PerFrameFunctionalGroupsSequence, then from SharedFunctionalGroupsSequence,
 * then from the top-level dataset. Classic objects read the top level for every frame.
 */
function readFrameAttributes(dataset: Dataset, frameCount: number, sopInstanceUid: string, maxOrientationError: number): FrameAttributes[] {
  const perFrameGroups = readSequence(dataset, 'PerFrameFunctionalGroupsSequence');
  const sharedGroups = readSequence(dataset, 'SharedFunctionalGroupsSequence')[0] ?? {};
  const enhanced = perFrameGroups.length > 0;

  if (!enhanced && frameCount > 1) {
    throw new DicomInputError(
      'ERR_MISSING_GEOMETRY',
      `Image ${sopInstanceUid} has ${frameCount} frames but no PerFrameFunctionalGroupsSequence, so the position of each frame is unknown. Send the series as enhanced MR or as single-frame images.`,
      sopInstanceUid,
    );
  }
  if (enhanced && perFrameGroups.length !== frameCount) {
    throw new DicomInputError(
      'ERR_MISSING_GEOMETRY',
      `Image ${sopInstanceUid} has ${frameCount} frames but ${perFrameGroups.length} items in PerFrameFunctionalGroupsSequence. Re-export the object so that every frame has its functional groups.`,
      sopInstanceUid,
    );
  }

  const frames: FrameAttributes[] = [];
  for (let frameIndex = 0; frameIndex < frameCount; frameIndex += 1) {
    const frameGroups = enhanced ? perFrameGroups[frameIndex] : {};
    const macro = (sequenceName: string): Dataset => readSequence(frameGroups, sequenceName)[0] ?? readSequence(sharedGroups, sequenceName)[0] ?? dataset;
    const frameLabel = enhanced ? `Image ${sopInstanceUid} frame ${frameIndex + 1}` : `Image ${sopInstanceUid}`;

    const position = readNumbers(macro('PlanePositionSequence'), 'ImagePositionPatient', 3);
    const orientation = readNumbers(macro('PlaneOrientationSequence'), 'ImageOrientationPatient', 6);
    if (position === null || orientation === null) {
      const missing = position === null ? 'ImagePositionPatient' : 'ImageOrientationPatient';
      throw new DicomInputError(
        'ERR_MISSING_GEOMETRY',
        `${frameLabel} has no valid ${missing}, so its place in the patient is unknown. Send MR images with the Image Plane module (or Plane Position and Plane Orientation functional groups); screenshots without geometry cannot be planned on.`,
        sopInstanceUid,
      );
    }

    const pixelMeasures = macro('PixelMeasuresSequence');
    const spacing = readSpacing(pixelMeasures, frameLabel, sopInstanceUid);
    const [rowCosine, columnCosine] = checkOrientation(orientation, frameLabel, sopInstanceUid, maxOrientationError);
    const sliceThickness = readNumber(pixelMeasures, 'SliceThickness') ?? readNumber(dataset, 'SliceThickness');

    const transformation = macro('PixelValueTransformationSequence');
    const rescale: Rescale = {
      slope: readNumber(transformation, 'RescaleSlope') ?? 1,
      intercept: readNumber(transformation, 'RescaleIntercept') ?? 0,
    };

    const phase = readString(macro('MRFOVGeometrySequence'), 'InPlanePhaseEncodingDirection') ?? readString(dataset, 'InPlanePhaseEncodingDirection');
    frames.push({
      geometry: {
        imagePositionLpsMm: pointLpsMm(position[0], position[1], position[2]),
        rowCosineLps: directionLps(rowCosine[0], rowCosine[1], rowCosine[2]),
        columnCosineLps: directionLps(columnCosine[0], columnCosine[1], columnCosine[2]),
        spacingBetweenRowsMm: spacing[0],
        spacingBetweenColumnsMm: spacing[1],
      },
      sliceThicknessMm: sliceThickness !== null && sliceThickness > 0 ? sliceThickness : null,
      rescale,
      acquisitionTime: readFrameTime(readSequence(frameGroups, 'FrameContentSequence')[0] ?? {}, dataset),
      phaseEncodingDirection: phase === 'ROW' || phase === 'COL' ? phase : null,
    });
  }
  return frames;
}

/** Reads PixelSpacing as [between rows, between columns]; missing, zero or negative spacing raises. */
function readSpacing(source: Dataset, frameLabel: string, sopInstanceUid: string): [number, number] {
  const spacing = readNumbers(source, 'PixelSpacing', 2);
  if (spacing === null) {
    throw new DicomInputError(
      'ERR_MISSING_PIXEL_SPACING',
      `${frameLabel} has no valid PixelSpacing (0028,0030), so distances in millimetres are unknown. Send images with PixelSpacing set; the co-pilot never assumes 1 mm.`,
      sopInstanceUid,
    );
  }
  if (spacing[0] === 0 || spacing[1] === 0) {
    throw new DicomInputError(
      'ERR_MISSING_PIXEL_SPACING',
      `${frameLabel} has PixelSpacing ${spacing.join('\\')}, and zero spacing means unknown. Send images with the real PixelSpacing; the co-pilot never assumes 1 mm.`,
      sopInstanceUid,
    );
  }
  if (spacing[0] < 0 || spacing[1] < 0) {
    throw new DicomInputError(
      'ERR_INVALID_PIXEL_SPACING',
      `${frameLabel} has PixelSpacing ${spacing.join('\\')}; both values must be positive millimetres. Correct the header and resend.`,
      sopInstanceUid,
    );
  }
  return [spacing[0], spacing[1]];
}

/** Checks that ImageOrientationPatient contains two orthogonal unit cosines and returns them normalized. */
function checkOrientation(
  orientation: number[],
  frameLabel: string,
  sopInstanceUid: string,
  maxOrientationError: number,
): [[number, number, number], [number, number, number]] {
  const row: [number, number, number] = [orientation[0], orientation[1], orientation[2]];
  const column: [number, number, number] = [orientation[3], orientation[4], orientation[5]];
  const rowLength = length(row);
  const columnLength = length(column);
  const valid =
    Math.abs(rowLength - 1) <= maxOrientationError &&
    Math.abs(columnLength - 1) <= maxOrientationError &&
    Math.abs(dot(row, column)) <= maxOrientationError &&
    length(cross(row, column)) > 0.5;
  if (!valid) {
    throw new DicomInputError(
      'ERR_INVALID_ORIENTATION',
      `${frameLabel} has ImageOrientationPatient ${orientation.join('\\')}; the row and column cosines must be orthogonal unit vectors (tolerance ${maxOrientationError}). Correct the header and resend.`,
      sopInstanceUid,
    );
  }
  return [
    [row[0] / rowLength, row[1] / rowLength, row[2] / rowLength],
    [column[0] / columnLength, column[1] / columnLength, column[2] / columnLength],
  ];
}

/** Time of acquisition as DICOM TM: FrameAcquisitionDateTime of the frame, else AcquisitionTime. */
function readFrameTime(frameContent: Dataset, dataset: Dataset): string | null {
  const frameDateTime = readString(frameContent, 'FrameAcquisitionDateTime');
  if (frameDateTime !== null && frameDateTime.length > 8) return frameDateTime.slice(8);
  const acquisitionTime = readString(dataset, 'AcquisitionTime');
  if (acquisitionTime !== null) return acquisitionTime;
  const acquisitionDateTime = readString(dataset, 'AcquisitionDateTime');
  return acquisitionDateTime !== null && acquisitionDateTime.length > 8 ? acquisitionDateTime.slice(8) : null;
}
