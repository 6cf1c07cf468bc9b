/**
 * Turns a dataset received by C-STORE into DICOM Part 10 bytes (preamble, `DICM` and a file
 * meta group), the form the session hub journals and parses, and reads the header fields the
 * listener routes by.
 */
import { dcmjsData } from '../dcmjsLibrary.ts';
import { readNumber, readNumbers, readSequence, readString, type Dataset } from '../datasetFields.ts';

/** Implementation Class UID (0002,0012) written into the meta group of received instances. */
const IMPLEMENTATION_CLASS_UID = '2.25.188340221466190547190317620958224815617';
const IMPLEMENTATION_VERSION_NAME = 'LUMBARSCP_1';

export interface InstanceIdentity {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

/** Header fields the listener needs before the hub parses the whole instance. */
export interface InstanceHeader {
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  accessionNumber: string | null;
  patientPosition: string | null;
  /** Images in Acquisition (0020,1002), when present and positive. */
  imagesInAcquisition: number | null;
  /** Number of Frames (0028,0008), or 1 for single-frame objects. */
  frameCount: number;
  /** Image Orientation (Patient) from the top level, or from the shared functional groups of an enhanced object. */
  orientationLps: number[] | null;
}

export class InstanceHeaderError extends Error {
  readonly code = 'ERR_UNREADABLE_DATASET';
  constructor(message: string) {
    super(message);
    this.name = 'InstanceHeaderError';
  }
}

/** Prefixes a received dataset (encoded in `identity.transferSyntaxUid`) with a preamble and file meta group. */
export function wrapAsPart10(dataset: Uint8Array, identity: InstanceIdentity): Uint8Array {
  const elements = [
    encodeElement(0x0001, 'OB', Uint8Array.of(0, 1)),
    encodeElement(0x0002, 'UI', uidBytes(identity.sopClassUid)),
    encodeElement(0x0003, 'UI', uidBytes(identity.sopInstanceUid)),
    encodeElement(0x0010, 'UI', uidBytes(identity.transferSyntaxUid)),
    encodeElement(0x0012, 'UI', uidBytes(IMPLEMENTATION_CLASS_UID)),
    encodeElement(0x0013, 'SH', textBytes(IMPLEMENTATION_VERSION_NAME)),
  ];
  const groupLength = elements.reduce((sum, element) => sum + element.length, 0);
  const lengthElement = encodeElement(0x0000, 'UL', new Uint8Array(new Uint32Array([groupLength]).buffer));

  const out = new Uint8Array(128 + 4 + lengthElement.length + groupLength + dataset.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  let offset = 132;
  for (const element of [lengthElement, ...elements]) {
    out.set(element, offset);
    offset += element.length;
  }
  out.set(dataset, offset);
  return out;
}

/** Reads the routing fields of a Part 10 instance without decoding its pixel data. */
export function readInstanceHeader(part10: Uint8Array): InstanceHeader {
  let natural: Record<string, unknown>;
  try {
    const buffer = part10.slice().buffer;
    const dict = dcmjsData.DicomMessage.readFile(buffer, { untilTag: '7FE00010' });
    natural = dcmjsData.DicomMetaDictionary.naturalizeDataset(dict.dict);
  } catch (error) {
    throw new InstanceHeaderError(`the dataset could not be decoded: ${error instanceof Error ? error.message : String(error)}`);
  }

  const sopInstanceUid = readString(natural, 'SOPInstanceUID');
  const studyInstanceUid = readString(natural, 'StudyInstanceUID');
  const seriesInstanceUid = readString(natural, 'SeriesInstanceUID');
  if (sopInstanceUid === null) throw new InstanceHeaderError('SOP Instance UID (0008,0018) is missing');
  if (studyInstanceUid === null) throw new InstanceHeaderError(`Study Instance UID (0020,000D) is missing in ${sopInstanceUid}`);
  if (seriesInstanceUid === null) throw new InstanceHeaderError(`Series Instance UID (0020,000E) is missing in ${sopInstanceUid}`);

  const imagesInAcquisition = readNumber(natural, 'ImagesInAcquisition');
  const frames = readNumber(natural, 'NumberOfFrames');
  return {
    sopInstanceUid,
    studyInstanceUid,
    seriesInstanceUid,
    accessionNumber: readString(natural, 'AccessionNumber'),
    patientPosition: readString(natural, 'PatientPosition'),
    imagesInAcquisition: imagesInAcquisition !== null && Number.isInteger(imagesInAcquisition) && imagesInAcquisition > 0 ? imagesInAcquisition : null,
    frameCount: frames !== null && Number.isInteger(frames) && frames > 0 ? frames : 1,
    orientationLps: readOrientation(natural),
  };
}

function readOrientation(natural: Dataset): number[] | null {
  const topLevel = readNumbers(natural, 'ImageOrientationPatient', 6);
  if (topLevel !== null) return topLevel;
  const [shared] = readSequence(natural, 'SharedFunctionalGroupsSequence');
  const [plane] = shared === undefined ? [] : readSequence(shared, 'PlaneOrientationSequence');
  return plane === undefined ? null : readNumbers(plane, 'ImageOrientationPatient', 6);
}

function encodeElement(element: number, vr: 'OB' | 'UI' | 'UL' | 'SH', value: Uint8Array): Uint8Array {
  const longForm = vr === 'OB';
  const headerLength = longForm ? 12 : 8;
  const out = new Uint8Array(headerLength + value.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0x0002, true);
  view.setUint16(2, element, true);
  out[4] = vr.charCodeAt(0);
  out[5] = vr.charCodeAt(1);
  if (longForm) view.setUint32(8, value.length, true);
  else view.setUint16(6, value.length, true);
  out.set(value, headerLength);
  return out;
}

/** UI values are padded to even length with a NUL byte. */
function uidBytes(uid: string): Uint8Array {
  return padded(uid, 0x00);
}

/** Text values are padded to even length with a space. */
function textBytes(text: string): Uint8Array {
  return padded(text, 0x20);
}

function padded(text: string, pad: number): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = pad;
  return out;
}
