import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { buildSeries } from '../../../server/dicom/series.ts';
import { parseDicomPart10 } from '../../../server/dicom/parse.ts';
import { DicomInputError } from '../../../server/dicom/errors.ts';
import type { MrImage } from '../../../server/dicom/types.ts';
import { writeClassicImage, writeEnhancedImage } from './dicomFixtures.ts';

/** Builds a sagittal image at `xMm`: rows run along +y (posterior), columns along -z (feet), so the normal is -x. */
function sagittalImage(xMm: number, sopInstanceUid: string, extra: Parameters<typeof writeClassicImage>[0] = {}): MrImage {
  return parseDicomPart10(writeClassicImage({ sopInstanceUid, imagePositionPatient: [xMm, -100, 120], ...extra }))[0];
}

function expectCode(action: () => unknown, code: string): void {
  try {
    action();
  } catch (error) {
    assert.instance(error, DicomInputError);
    assert.is((error as DicomInputError).code, code, (error as Error).message);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('series sorts along the slice normal', () => {
  // Row (0,1,0) x column (0,0,-1) = (-1,0,0), so ascending order along the normal runs from +x to -x.
  const images = [sagittalImage(0, '1.1'), sagittalImage(8, '1.2'), sagittalImage(-4, '1.3'), sagittalImage(4, '1.4')];
  const series = buildSeries(images);
  assert.equal(series.images.map((image) => image.geometry.imagePositionLpsMm[0]), [8, 4, 0, -4]);
  assert.equal(images.map((image) => image.sopInstanceUid), ['1.1', '1.2', '1.3', '1.4']);
  assert.is(series.seriesInstanceUid, images[0].seriesInstanceUid);
  assert.is(series.frameOfReferenceUid, images[0].frameOfReferenceUid);
});

test('enhanced frames sort along the normal', () => {
  const images = parseDicomPart10(
    writeEnhancedImage({ frames: [{ imagePositionPatient: [0, 0, 6] }, { imagePositionPatient: [0, 0, 0] }, { imagePositionPatient: [0, 0, 3] }] }),
  );
  const series = buildSeries(images);
  assert.equal(series.images.map((image) => image.frameNumber), [2, 3, 1]);
});

test('empty series rejects', () => {
  expectCode(() => buildSeries([]), 'ERR_EMPTY_SERIES');
});

test('mixed frame of reference rejects', () => {
  expectCode(() => buildSeries([sagittalImage(0, '1.1'), sagittalImage(4, '1.2', { frameOfReferenceUid: '9.9' })]), 'ERR_MIXED_FRAME_OF_REFERENCE');
});

test('mixed series rejects', () => {
  expectCode(() => buildSeries([sagittalImage(0, '1.1'), sagittalImage(4, '1.2', { seriesInstanceUid: '9.8' })]), 'ERR_MIXED_SERIES');
});

test('mixed orientation rejects', () => {
  expectCode(
    () => buildSeries([sagittalImage(0, '1.1'), sagittalImage(4, '1.2', { imageOrientationPatient: [1, 0, 0, 0, 1, 0] })]),
    'ERR_MIXED_ORIENTATION',
  );
});

test('mixed matrix rejects', () => {
  expectCode(() => buildSeries([sagittalImage(0, '1.1'), sagittalImage(4, '1.2', { rows: 5 })]), 'ERR_MIXED_GEOMETRY');
});

test('duplicate slice position rejects', () => {
  expectCode(() => buildSeries([sagittalImage(0, '1.1'), sagittalImage(0, '1.2')]), 'ERR_DUPLICATE_POSITION');
});

test.run();
