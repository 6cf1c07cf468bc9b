/**
 * Encodes `MrImage`s as DICOM Part 10 MR Image Storage objects (Explicit VR Little Endian) with
 * dcmjs, the way a scanner exports them. Pixels are 16-bit unsigned stored values with rescale
 * slope and intercept, the plane geometry is complete, and the patient name and ID are
 * obviously synthetic.
 */
import { dcmjsData } from '../server/dicom/dcmjsLibrary.ts';
import { formatDecimalString } from '../server/dicom/decimalString.ts';
import type { MrImage } from '../server/dicom/types.ts';
import { MR_IMAGE_STORAGE_SOP_CLASS_UID } from './reslice.ts';

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Implementation Class UID of this writer, under the same UUID-derived root as the exam UIDs. */
const IMPLEMENTATION_CLASS_UID = '2.25.301911488432189611734893645823761208873';

/** Patient name written into every simulated object, a DICOM person name that cannot pass for a real one. */
export const SIMULATED_PATIENT_NAME = 'SIMULATED^PHANTOM';

export interface WriteMrImageOptions {
  /** SpacingBetweenSlices (0018,0088): centre-to-centre slice distance of the series, mm. */
  spacingBetweenSlicesMm?: number;
  /** ImageType values; default ORIGINAL\PRIMARY\M\NONE. */
  imageType?: string[];
  /** Date for StudyDate, SeriesDate and ContentDate (DICOM DA, YYYYMMDD). Default 20260101. */
  studyDate?: string;
  studyTime?: string;
  /** Repetition and echo time written as sequence parameters, ms. Defaults suit a T2 TSE. */
  repetitionTimeMs?: number;
  echoTimeMs?: number;
  studyId?: string;
}

/** Stored values and the rescale that maps them back: value = stored * slope + intercept. */
export interface StoredPixels {
  stored: Uint16Array;
  slope: number;
  intercept: number;
}

/**
 * Quantizes float pixels to unsigned 16-bit. Integer-valued images in 0..65535 keep slope 1;
 * other ranges are spread over 0..4095 (12 bits, like most MR scanners) or 0..65535 when wider.
 */
export function quantizePixels(pixels: Float32Array): StoredPixels {
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  for (const value of pixels) {
    if (!Number.isFinite(value)) throw new RangeError(`Pixel value ${value} cannot be written to DICOM; resample the image without NaN or infinite values.`);
    if (value < min) min = value;
    if (value > max) max = value;
    if (integers && !Number.isInteger(value)) integers = false;
  }
  if (pixels.length === 0) return { stored: new Uint16Array(0), slope: 1, intercept: 0 };

  const intercept = min < 0 ? Math.floor(min) : 0;
  const span = max - intercept;
  let slope = 1;
  if (span > 65535) slope = span / 65535;
  else if (!integers && span > 0) slope = span / 4095;
  // DS values carry at most 16 characters, so use the slope exactly as it will be read back.
  slope = Number(formatDecimalString(slope));
  const maxStored = span > 65535 ? 65535 : 4095;

  const stored = new Uint16Array(pixels.length);
  for (let index = 0; index < pixels.length; index++) {
    const value = Math.round((pixels[index] - intercept) / slope);
    stored[index] = Math.min(Math.max(value, 0), integers && span <= 65535 ? 65535 : maxStored);
  }
  return { stored, slope, intercept };
}

function ds(value: number): string {
  return formatDecimalString(value);
}

/** Returns DICOM DA and TM strings for a moment, in UTC. */
export function dicomDateTime(date: Date): { date: string; time: string } {
  const iso = date.toISOString();
  return { date: iso.slice(0, 10).replaceAll('-', ''), time: `${iso.slice(11, 19).replaceAll(':', '')}.${iso.slice(20, 23)}000` };
}

/** Encodes one MR image as DICOM Part 10 bytes. */
export function writeMrImage(image: MrImage, options: WriteMrImageOptions = {}): Uint8Array {
  const { geometry } = image;
  const { stored, slope, intercept } = quantizePixels(image.pixels);
  const normal = [
    geometry.rowCosineLps[1] * geometry.columnCosineLps[2] - geometry.rowCosineLps[2] * geometry.columnCosineLps[1],
    geometry.rowCosineLps[2] * geometry.columnCosineLps[0] - geometry.rowCosineLps[0] * geometry.columnCosineLps[2],
    geometry.rowCosineLps[0] * geometry.columnCosineLps[1] - geometry.rowCosineLps[1] * geometry.columnCosineLps[0],
  ];
  const sliceLocation = geometry.imagePositionLpsMm[0] * normal[0] + geometry.imagePositionLpsMm[1] * normal[1] + geometry.imagePositionLpsMm[2] * normal[2];
  const windowCenter = intercept + (slope * 4095) / 2;
  const studyDate = options.studyDate ?? '20260101';
  const studyTime = options.studyTime ?? '080000.000000';

  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: options.imageType ?? ['ORIGINAL', 'PRIMARY', 'M', 'NONE'],
    SOPClassUID: MR_IMAGE_STORAGE_SOP_CLASS_UID,
    SOPInstanceUID: image.sopInstanceUid,
    StudyDate: studyDate,
    SeriesDate: studyDate,
    ContentDate: studyDate,
    StudyTime: studyTime,
    SeriesTime: studyTime,
    ContentTime: image.acquisitionTime ?? studyTime,
    AcquisitionTime: image.acquisitionTime ?? studyTime,
    AccessionNumber: '',
    Modality: 'MR',
    Manufacturer: 'Lumbar Co-pilot simulator',
    ReferringPhysicianName: '',
    StudyDescription: 'SIMULATED LUMBAR SPINE',
    SeriesDescription: image.seriesDescription,
    PatientName: image.patient.name,
    PatientID: image.patient.id,
    PatientBirthDate: image.patient.birthDate,
    PatientSex: 'O',
    BodyPartExamined: 'LSPINE',
    ScanningSequence: 'SE',
    SequenceVariant: 'SK',
    ScanOptions: '',
    MRAcquisitionType: '2D',
    SliceThickness: ds(image.sliceThicknessMm ?? 1),
    RepetitionTime: ds(options.repetitionTimeMs ?? 3500),
    EchoTime: ds(options.echoTimeMs ?? 100),
    MagneticFieldStrength: ds(1.5),
    PatientPosition: image.patientPosition ?? 'HFS',
    StudyInstanceUID: image.studyInstanceUid,
    SeriesInstanceUID: image.seriesInstanceUid,
    StudyID: options.studyId ?? '1',
    SeriesNumber: String(image.seriesNumber ?? 1),
    InstanceNumber: String(image.instanceNumber ?? 1),
    ImagePositionPatient: geometry.imagePositionLpsMm.map(ds),
    ImageOrientationPatient: [...geometry.rowCosineLps, ...geometry.columnCosineLps].map(ds),
    FrameOfReferenceUID: image.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    SliceLocation: ds(sliceLocation),
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: geometry.rows,
    Columns: geometry.columns,
    PixelSpacing: [ds(geometry.spacingBetweenRowsMm), ds(geometry.spacingBetweenColumnsMm)],
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 0,
    WindowCenter: ds(windowCenter),
    WindowWidth: ds(slope * 4095),
    RescaleIntercept: ds(intercept),
    RescaleSlope: ds(slope),
    RescaleType: 'US',
    PixelData: [stored.buffer.slice(stored.byteOffset, stored.byteOffset + stored.byteLength)],
    _vrMap: { PixelData: 'OW' },
  };
  if (options.spacingBetweenSlicesMm !== undefined) dataset.SpacingBetweenSlices = ds(options.spacingBetweenSlicesMm);
  if (image.phaseEncodingDirection !== null) dataset.InPlanePhaseEncodingDirection = image.phaseEncodingDirection;

  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: MR_IMAGE_STORAGE_SOP_CLASS_UID,
    MediaStorageSOPInstanceUID: image.sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'LUMBARSIM_1',
  };
  const dict = new dcmjsData.DicomDict(dcmjsData.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjsData.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
