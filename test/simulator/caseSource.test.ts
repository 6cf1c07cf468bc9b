import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { directionLps, pointLpsMm, type VolumeLps } from '../../server/geometry/types.ts';
import { CaseSpecError, loadExamCase, parsePhantomSpec, rejectLabelMap } from '../../simulator/caseSource.ts';
import { discTruthFromLabels, slabTruthError } from '../../simulator/groundTruth.ts';
import { writeMrImage } from '../../simulator/mrImageWriter.ts';
import { planeStackAround, resliceToMrImages } from '../../simulator/reslice.ts';

/** Public data beside the repository (read-only, absent on some machines). */
const SHARED_DATA = new URL('../../../shared/data', import.meta.url).pathname;

const identityAxes = [directionLps(1, 0, 0), directionLps(0, 1, 0), directionLps(0, 0, 1)] as VolumeLps['directionLps'];

test('phantom spec parsing', () => {
  assert.is(parsePhantomSpec('phantom'), 2);
  assert.is(parsePhantomSpec('phantom:42'), 42);
  assert.is(parsePhantomSpec('case.nii.gz'), null);
  assert.throws(() => parsePhantomSpec('phantom:-1'), (error: unknown) => error instanceof CaseSpecError && error.code === 'ERR_INVALID_CASE');
  assert.throws(() => parsePhantomSpec('phantom:1.5'), (error: unknown) => error instanceof CaseSpecError);
});

test('missing case is rejected', async () => {
  try {
    await loadExamCase(join(tmpdir(), 'no-such-case.nii.gz'));
    assert.unreachable('expected ERR_INVALID_CASE');
  } catch (error) {
    assert.instance(error, CaseSpecError);
  }
});

test('label map is rejected as a case image', () => {
  const labels = Float32Array.from({ length: 1000 }, (_, index) => index % 8);
  try {
    rejectLabelMap('case-05_labels.nii.gz', labels);
    assert.unreachable('a label map was accepted');
  } catch (error) {
    assert.instance(error, CaseSpecError);
    assert.match((error as Error).message, 'case-05_labels.nii.gz looks like a label map');
    assert.match((error as Error).message, 'only 8 distinct whole values (0, 1, 2, 3, 4, 5, 6, 7)');
  }
  // An image with fractional values, or with many whole values, passes.
  rejectLabelMap('image.nii', Float32Array.from({ length: 1000 }, (_, index) => (index % 8) + 0.5));
  rejectLabelMap('image.nii', Float32Array.from({ length: 1000 }, (_, index) => index % 300));
});

test('DICOM folder becomes the same volume', async () => {
  // A small volume with a known gradient, sliced axially and written as DICOM files.
  const dims: [number, number, number] = [24, 20, 6];
  const data = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let index = 0; index < data.length; index++) data[index] = index % 97;
  const volume: VolumeLps = { dims, spacingMm: [1, 1, 1], originLpsMm: pointLpsMm(0, 0, 0), directionLps: identityAxes, data };
  const stack = planeStackAround({ centerLpsMm: [11.5, 9.5, 2.5], rowCosineLps: [1, 0, 0], columnCosineLps: [0, 1, 0], sliceCount: 6, sliceThicknessMm: 1, gapMm: 0, rows: 20, columns: 24, pixelSpacingMm: 1 });
  const images = resliceToMrImages(volume, stack, {
    studyInstanceUid: '2.25.11',
    seriesInstanceUid: '2.25.12',
    frameOfReferenceUid: '2.25.13',
    seriesNumber: 3,
    seriesDescription: 'AX TEST',
    patientPosition: 'HFS',
    sopInstanceUid: (index) => `2.25.12.${index + 1}`,
    phaseEncodingDirection: 'COL',
    acquisitionTime: null,
    patient: { name: 'SIMULATED^PHANTOM', id: 'SIM-TEST', birthDate: '' },
  }, { thicknessSamples: 1 });
  const folder = mkdtempSync(join(tmpdir(), 'dicom-case-'));
  // Written in reverse order: the reader must sort along the normal.
  images.reverse().forEach((image, index) => writeFileSync(join(folder, `image-${index}.dcm`), writeMrImage(image)));
  writeFileSync(join(folder, 'notes.txt'), 'not DICOM');

  const loaded = await loadExamCase(folder);
  assert.equal(loaded.image.dims, dims);
  loaded.image.spacingMm.forEach((value, axis) => assert.ok(Math.abs(value - 1) < 1e-6, `spacing ${axis}: ${value}`));
  loaded.image.originLpsMm.forEach((value, axis) => assert.ok(Math.abs(value) < 1e-6, `origin ${axis}: ${value}`));
  assert.equal(loaded.image.directionLps[2].map((value) => Math.round(value)), [0, 0, 1]);
  for (const index of [0, 100, 1000, data.length - 1]) assert.is(loaded.image.data[index], data[index], `voxel ${index}`);
  assert.equal(loaded.truth, []);
});

test('disc labels give fitted truth planes', () => {
  // Two tilted discs: label 1 around z = 10, label 2 around z = 30, each a thin plate tilted 20 degrees about x.
  const dims: [number, number, number] = [40, 40, 50];
  const data = new Uint8Array(dims[0] * dims[1] * dims[2]);
  const tilt = (20 * Math.PI) / 180;
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++) {
        const y = j - 20;
        for (const [label, z0] of [[1, 10], [2, 30]]) {
          const along = (k - z0) * Math.cos(tilt) - y * Math.sin(tilt);
          if (Math.abs(along) <= 1.5 && Math.hypot(i - 20, y) <= 12) data[k * 1600 + j * 40 + i] = label;
        }
      }
    }
  }
  const labels: VolumeLps<Uint8Array> = { dims, spacingMm: [1, 1, 1], originLpsMm: pointLpsMm(0, 0, 0), directionLps: identityAxes, data };
  const truth = discTruthFromLabels(labels, { 1: 'L5/S1', 2: 'L4/L5' });
  assert.equal(truth.map((disc) => disc.level), ['L5/S1', 'L4/L5']);
  for (const disc of truth) {
    assert.is(disc.source, 'disc-labels');
    assert.ok(disc.normalLps[2] > 0, 'normal points to the head');
    const angle = (Math.acos(disc.normalLps[2]) * 180) / Math.PI;
    assert.ok(Math.abs(angle - 20) < 1.5, `${disc.level} tilt ${angle}`);
  }
  const error = slabTruthError({ level: 'L4/L5', centerLpsMm: truth[1].centerLpsMm, normalLps: directionLps(0, 0, 1) }, truth);
  assert.ok(error !== null, 'level found');
  assert.ok(Math.abs((error?.angleErrorDeg ?? 0) - 20) < 1.5, `angle error ${error?.angleErrorDeg}`);
  assert.ok((error?.centerErrorMm ?? 1) < 1e-9, 'same centre');
  assert.is(slabTruthError({ level: 'L1/L2', centerLpsMm: truth[1].centerLpsMm, normalLps: directionLps(0, 0, 1) }, truth), null);
});

test('vertebra labels give estimated discs', () => {
  const dims: [number, number, number] = [20, 20, 60];
  const data = new Uint8Array(dims[0] * dims[1] * dims[2]);
  // L4 body centred at z = 40, L5 at z = 15 (LPS z grows towards the head).
  for (let k = 0; k < dims[2]; k++) {
    for (let index = 0; index < 400; index++) {
      if (Math.abs(k - 40) <= 5) data[k * 400 + index] = 4;
      if (Math.abs(k - 15) <= 5) data[k * 400 + index] = 5;
    }
  }
  const labels: VolumeLps<Uint8Array> = { dims, spacingMm: [1, 1, 1], originLpsMm: pointLpsMm(0, 0, 0), directionLps: identityAxes, data };
  const truth = discTruthFromLabels(labels, { 4: 'L4', 5: 'L5' });
  assert.is(truth.length, 1);
  assert.is(truth[0].level, 'L4/L5');
  assert.is(truth[0].source, 'vertebra-labels');
  assert.ok(Math.abs(truth[0].centerLpsMm[2] - 27.5) < 1e-9, `centre z ${truth[0].centerLpsMm[2]}`);
  assert.ok(Math.abs(truth[0].normalLps[2] - 1) < 1e-9, 'normal along z');
});

const publicFolder = SHARED_DATA + '/lumbar-t2-discs';

test('public dataset folder runs its first case', async () => {
  if (!existsSync(publicFolder)) {
    console.log(`skipped: ${publicFolder} is absent`);
    return;
  }
  const loaded = await loadExamCase(publicFolder);
  assert.match(loaded.description, /case-\d+_image\.nii\.gz$/);
  assert.equal(loaded.truth.map((disc) => disc.level).sort(), ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1']);
});

test.run();
