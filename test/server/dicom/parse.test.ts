import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { parseDicomPart10 } from '../../../server/dicom/parse.ts';
import { DicomInputError } from '../../../server/dicom/errors.ts';
import {
  IMPLICIT_LITTLE_ENDIAN,
  SECONDARY_CAPTURE_STORAGE,
  writeClassicImage,
  writeEnhancedImage,
} from './dicomFixtures.ts';

function expectCode(action: () => unknown, code: string): DicomInputError {
  try {
    action();
  } catch (error) {
    assert.instance(error, DicomInputError);
    const dicomError = error as DicomInputError;
    assert.is(dicomError.code, code, dicomError.message);
    return dicomError;
  }
  assert.unreachable(`expected DicomInputError ${code}, nothing was thrown`);
  throw new Error('unreachable');
}

test('classic MR reads geometry and identity', () => {
  const [image] = parseDicomPart10(writeClassicImage());
  assert.is(image.sopInstanceUid, '1.2.826.0.1.3680043.9.1.1');
  assert.is(image.frameOfReferenceUid, '1.2.826.0.1.3680043.9.1.3');
  assert.equal([...image.geometry.imagePositionLpsMm], [-10, -20, 30]);
  assert.equal([...image.geometry.rowCosineLps], [0, 1, 0]);
  assert.equal([...image.geometry.columnCosineLps], [0, 0, -1]);
  assert.is(image.geometry.spacingBetweenRowsMm, 0.8);
  assert.is(image.geometry.spacingBetweenColumnsMm, 0.5);
  assert.is(image.geometry.rows, 4);
  assert.is(image.geometry.columns, 3);
  assert.is(image.frameNumber, null);
  assert.is(image.patientPosition, 'HFS');
  assert.is(image.sliceThicknessMm, 4);
  assert.is(image.phaseEncodingDirection, 'COL');
  assert.is(image.acquisitionTime, '101500.25');
  assert.is(image.patient.name, 'Phantom^Test');
  assert.is(image.patient.id, 'PHANTOM-1');
});

test('classic MR pixels are row-major', () => {
  const values = [10, 11, 12, 20, 21, 22];
  const [image] = parseDicomPart10(writeClassicImage({ rows: 2, columns: 3, pixelValues: values }));
  assert.equal([...image.pixels], values);
});

test('rescale slope and intercept apply', () => {
  const [image] = parseDicomPart10(writeClassicImage({ rows: 1, columns: 3, pixelValues: [0, 1, 10], rescaleSlope: 2.5, rescaleIntercept: -4 }));
  assert.equal([...image.pixels], [-4, -1.5, 21]);
});

test('signed 16-bit pixels decode', () => {
  const [image] = parseDicomPart10(writeClassicImage({ rows: 1, columns: 4, pixelRepresentation: 1, pixelValues: [-32768, -1, 0, 32767] }));
  assert.equal([...image.pixels], [-32768, -1, 0, 32767]);
});

test('signed 12-bit stored pixels sign-extend', () => {
  // 0x0fff in 12 stored bits is -1; 0x0800 is -2048.
  const [image] = parseDicomPart10(
    writeClassicImage({ rows: 1, columns: 3, bitsStored: 12, pixelRepresentation: 0, pixelValues: [0x0fff, 0x0800, 0x07ff], extra: { PixelRepresentation: 1 } }),
  );
  assert.equal([...image.pixels], [-1, -2048, 2047]);
});

test('unsigned 12-bit pixels mask unused high bits', () => {
  const [image] = parseDicomPart10(writeClassicImage({ rows: 1, columns: 2, bitsStored: 12, pixelValues: [0xf123, 0x0456] }));
  assert.equal([...image.pixels], [0x123, 0x456]);
});

test('8-bit pixels with odd count decode', () => {
  const [image] = parseDicomPart10(writeClassicImage({ rows: 1, columns: 3, bitsAllocated: 8, pixelValues: [0, 128, 255] }));
  assert.equal([...image.pixels], [0, 128, 255]);
});

test('implicit VR little endian reads', () => {
  const [image] = parseDicomPart10(writeClassicImage({ transferSyntaxUid: IMPLICIT_LITTLE_ENDIAN }));
  assert.is(image.geometry.spacingBetweenRowsMm, 0.8);
  assert.equal([...image.pixels].slice(0, 3), [0, 1, 2]);
});

test('bytes inside a larger buffer parse', () => {
  const file = writeClassicImage();
  const pooled = new Uint8Array(file.byteLength + 17);
  pooled.set(file, 9);
  const [image] = parseDicomPart10(pooled.subarray(9, 9 + file.byteLength));
  assert.is(image.geometry.rows, 4);
});

test('orientation cosines are normalized', () => {
  const [image] = parseDicomPart10(writeClassicImage({ imageOrientationPatient: [0, 1.0004, 0, 0, 0, -0.9996] }));
  assert.ok(Math.abs(image.geometry.rowCosineLps[1] - 1) < 1e-12);
  assert.ok(Math.abs(image.geometry.columnCosineLps[2] + 1) < 1e-12);
});

test('enhanced MR yields one image per frame', () => {
  const images = parseDicomPart10(
    writeEnhancedImage({
      frames: [{ imagePositionPatient: [0, 0, 0] }, { imagePositionPatient: [0, 0, 3], rescaleSlope: 2, rescaleIntercept: 1 }],
    }),
  );
  assert.is(images.length, 2);
  assert.equal(images.map((image) => image.frameNumber), [1, 2]);
  assert.equal([...images[1].geometry.imagePositionLpsMm], [0, 0, 3]);
  assert.equal([...images[0].geometry.rowCosineLps], [1, 0, 0]);
  assert.is(images[0].geometry.spacingBetweenRowsMm, 1.5);
  assert.is(images[0].geometry.spacingBetweenColumnsMm, 1.25);
  assert.is(images[0].sliceThicknessMm, 3);
  assert.is(images[0].phaseEncodingDirection, 'ROW');
  assert.is(images[0].patientPosition, 'FFS');
  assert.equal([...images[0].pixels], [0, 1, 2, 3]);
  assert.equal([...images[1].pixels], [201, 203, 205, 207]);
  assert.is(images[1].acquisitionTime, '101501');
});

test('enhanced MR frame without position rejects', () => {
  const error = expectCode(
    () => parseDicomPart10(writeEnhancedImage({ frames: [{ imagePositionPatient: [0, 0, 0] }, { imagePositionPatient: [0, 0, 3] }], omitPositionOfFrame: 1 })),
    'ERR_MISSING_GEOMETRY',
  );
  assert.match(error.message, /frame 2/);
  assert.match(error.message, /ImagePositionPatient/);
});

test('enhanced MR without pixel spacing rejects', () => {
  expectCode(() => parseDicomPart10(writeEnhancedImage({ frames: [{ imagePositionPatient: [0, 0, 0] }], pixelSpacing: null })), 'ERR_MISSING_PIXEL_SPACING');
});

test('secondary capture with geometry parses', () => {
  const [image] = parseDicomPart10(writeClassicImage({ sopClassUid: SECONDARY_CAPTURE_STORAGE }));
  assert.is(image.sopClassUid, SECONDARY_CAPTURE_STORAGE);
  assert.is(image.geometry.spacingBetweenRowsMm, 0.8);
});

test('secondary capture without geometry rejects', () => {
  const error = expectCode(
    () => parseDicomPart10(writeClassicImage({ sopClassUid: SECONDARY_CAPTURE_STORAGE, omit: ['ImagePositionPatient', 'ImageOrientationPatient'] })),
    'ERR_MISSING_GEOMETRY',
  );
  assert.match(error.message, /1\.2\.826\.0\.1\.3680043\.9\.1\.1/);
});

test('missing pixel spacing rejects', () => {
  const error = expectCode(() => parseDicomPart10(writeClassicImage({ pixelSpacing: null })), 'ERR_MISSING_PIXEL_SPACING');
  assert.match(error.message, /1\.2\.826\.0\.1\.3680043\.9\.1\.1/);
  assert.match(error.message, /never assumes 1 mm/);
  assert.is(error.sopInstanceUid, '1.2.826.0.1.3680043.9.1.1');
});

test('zero pixel spacing rejects', () => {
  expectCode(() => parseDicomPart10(writeClassicImage({ pixelSpacing: [0, 0.5] })), 'ERR_MISSING_PIXEL_SPACING');
});

test('negative pixel spacing rejects', () => {
  expectCode(() => parseDicomPart10(writeClassicImage({ pixelSpacing: [-0.8, 0.5] })), 'ERR_INVALID_PIXEL_SPACING');
});

test('non-orthogonal orientation rejects', () => {
  const error = expectCode(() => parseDicomPart10(writeClassicImage({ imageOrientationPatient: [1, 0, 0, 0.5, 0.866, 0] })), 'ERR_INVALID_ORIENTATION');
  assert.match(error.message, /ImageOrientationPatient/);
});

test('missing orientation rejects', () => {
  expectCode(() => parseDicomPart10(writeClassicImage({ omit: ['ImageOrientationPatient'] })), 'ERR_MISSING_GEOMETRY');
});

test('missing frame of reference rejects', () => {
  expectCode(() => parseDicomPart10(writeClassicImage({ omit: ['FrameOfReferenceUID'] })), 'ERR_MISSING_GEOMETRY');
});

test('missing SOP Instance UID rejects', () => {
  const error = expectCode(() => parseDicomPart10(writeClassicImage({ omit: ['SOPInstanceUID'] })), 'ERR_MISSING_UID');
  assert.match(error.message, /SOPInstanceUID/);
});

test('unknown patient position rejects', () => {
  const error = expectCode(() => parseDicomPart10(writeClassicImage({ patientPosition: 'SITTING' })), 'ERR_INVALID_PATIENT_POSITION');
  assert.match(error.message, /SITTING/);
});

test('every patient position parses', () => {
  for (const position of ['HFS', 'FFS', 'HFP', 'FFP', 'HFDR', 'HFDL', 'FFDR', 'FFDL']) {
    const [image] = parseDicomPart10(writeClassicImage({ patientPosition: position }));
    assert.is(image.patientPosition, position);
  }
});

test('absent patient position is null', () => {
  const [image] = parseDicomPart10(writeClassicImage({ omit: ['PatientPosition'] }));
  assert.is(image.patientPosition, null);
});

test('missing pixel data rejects', () => {
  expectCode(() => parseDicomPart10(writeClassicImage({ omit: ['PixelData'] })), 'ERR_MISSING_PIXEL_DATA');
});

test('colour image rejects', () => {
  expectCode(() => parseDicomPart10(writeClassicImage({ extra: { SamplesPerPixel: 3 } })), 'ERR_UNSUPPORTED_PIXEL_FORMAT');
});

test('non-DICOM bytes reject', () => {
  expectCode(() => parseDicomPart10(new TextEncoder().encode('{"not": "dicom"}')), 'ERR_NOT_DICOM');
  expectCode(() => parseDicomPart10(new Uint8Array(400)), 'ERR_NOT_DICOM');
});

test('file cut inside pixel data rejects', () => {
  const file = writeClassicImage({ rows: 16, columns: 16 });
  expectCode(() => parseDicomPart10(file.subarray(0, file.byteLength - 10)), 'ERR_TRUNCATED');
});

test('file cut inside header rejects', () => {
  const file = writeClassicImage();
  expectCode(() => parseDicomPart10(file.subarray(0, 300)), 'ERR_TRUNCATED');
});

test('compressed transfer syntax rejects', () => {
  const error = expectCode(() => parseDicomPart10(writeClassicImage({ transferSyntaxUid: '1.2.840.10008.1.2.4.90' })), 'ERR_UNSUPPORTED_TRANSFER_SYNTAX');
  assert.match(error.message, /JPEG 2000 Lossless/);
  assert.match(error.message, /1\.2\.840\.10008\.1\.2\.1/);
});

test('frame limit rejects', () => {
  expectCode(
    () => parseDicomPart10(writeEnhancedImage({ frames: [{ imagePositionPatient: [0, 0, 0] }, { imagePositionPatient: [0, 0, 3] }] }), { maxFrames: 1 }),
    'ERR_FRAME_LIMIT',
  );
});

test.run();
