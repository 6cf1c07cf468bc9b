import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { parseDicomPart10 } from '../../server/dicom/parse.ts';
import { directionLps, pointLpsMm } from '../../server/geometry/types.ts';
import type { MrImage } from '../../server/dicom/types.ts';
import { quantizePixels, SIMULATED_PATIENT_NAME, writeMrImage } from '../../simulator/mrImageWriter.ts';
import { deterministicUid } from '../../simulator/uids.ts';

function obliqueImage(pixels: Float32Array, rows: number, columns: number): MrImage {
  // Axial slab tilted 12 degrees about the left-right axis, as a disc slab would be.
  const angle = (12 * Math.PI) / 180;
  return {
    sopInstanceUid: deterministicUid(7, 'series', 1, 'image', 3),
    sopClassUid: '1.2.840.10008.5.1.4.1.1.4',
    studyInstanceUid: deterministicUid(7, 'study'),
    seriesInstanceUid: deterministicUid(7, 'series', 1),
    frameOfReferenceUid: deterministicUid(7, 'frame-of-reference'),
    seriesNumber: 5,
    instanceNumber: 3,
    frameNumber: null,
    seriesDescription: 'AX T2 L4/L5',
    patientPosition: 'HFS',
    geometry: {
      imagePositionLpsMm: pointLpsMm(-80.123456789, -61.5, 12.25),
      rowCosineLps: directionLps(1, 0, 0),
      columnCosineLps: directionLps(0, Math.cos(angle), -Math.sin(angle)),
      spacingBetweenRowsMm: 0.625,
      spacingBetweenColumnsMm: 0.5,
      rows,
      columns,
    },
    sliceThicknessMm: 4,
    pixels,
    acquisitionTime: '101530.000000',
    phaseEncodingDirection: 'ROW',
    patient: { name: SIMULATED_PATIENT_NAME, id: 'SIM-0007', birthDate: '' },
  };
}

test('round trip keeps geometry and uids', () => {
  const rows = 4;
  const columns = 5;
  const pixels = Float32Array.from({ length: rows * columns }, (_, index) => index * 37.25 + 3);
  const image = obliqueImage(pixels, rows, columns);
  const [back] = parseDicomPart10(writeMrImage(image, { spacingBetweenSlicesMm: 4.4 }));
  assert.is(back.sopInstanceUid, image.sopInstanceUid);
  assert.is(back.studyInstanceUid, image.studyInstanceUid);
  assert.is(back.seriesInstanceUid, image.seriesInstanceUid);
  assert.is(back.frameOfReferenceUid, image.frameOfReferenceUid);
  assert.is(back.seriesNumber, 5);
  assert.is(back.instanceNumber, 3);
  assert.is(back.patientPosition, 'HFS');
  assert.is(back.phaseEncodingDirection, 'ROW');
  assert.is(back.sliceThicknessMm, 4);
  assert.is(back.seriesDescription, 'AX T2 L4/L5');
  assert.is(back.geometry.rows, rows);
  assert.is(back.geometry.columns, columns);
  assert.is(back.geometry.spacingBetweenRowsMm, 0.625);
  assert.is(back.geometry.spacingBetweenColumnsMm, 0.5);
  back.geometry.imagePositionLpsMm.forEach((value, axis) => assert.ok(Math.abs(value - image.geometry.imagePositionLpsMm[axis]) < 1e-9, `position ${axis}`));
  back.geometry.columnCosineLps.forEach((value, axis) => assert.ok(Math.abs(value - image.geometry.columnCosineLps[axis]) < 1e-9, `column cosine ${axis}`));
  const step = (Math.max(...pixels) - 0) / 4095;
  pixels.forEach((value, index) => assert.ok(Math.abs(back.pixels[index] - value) <= step / 2 + 1e-6, `pixel ${index}: ${back.pixels[index]} vs ${value}`));
  assert.is(back.patient.name.replace(/\^/g, ' ').trim(), 'SIMULATED PHANTOM');
});

test('integer pixels are stored exactly', () => {
  const pixels = Float32Array.from([0, 1, 2, 4095, 30000, 65535]);
  const [back] = parseDicomPart10(writeMrImage(obliqueImage(pixels, 2, 3)));
  assert.equal(Array.from(back.pixels), Array.from(pixels));
});

test('negative and wide ranges use rescale', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1e5, max: 1e5, noNaN: true }), { minLength: 1, maxLength: 40 }), (values) => {
      const pixels = Float32Array.from(values);
      const { stored, slope, intercept } = quantizePixels(pixels);
      const span = Math.max(...pixels) - intercept;
      const tolerance = slope / 2 + 1e-6 * Math.max(1, span);
      return Array.from(pixels).every((value, index) => Math.abs(stored[index] * slope + intercept - value) <= tolerance);
    }),
  );
});

test('non-finite pixels are rejected', () => {
  assert.throws(() => quantizePixels(Float32Array.from([1, Number.NaN])), /NaN/);
});

test('uids are deterministic and valid', () => {
  const first = deterministicUid(42, 'study');
  assert.is(first, deterministicUid(42, 'study'));
  assert.is.not(first, deterministicUid(43, 'study'));
  assert.ok(first.length <= 64, `length ${first.length}`);
  assert.match(first, /^2\.25\.[1-9][0-9]*$/);
});

test.run();
