import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { MrImage } from '../../../server/dicom/types.ts';
import { checkSignalDropout, measureSliceSignalRatio } from '../../../server/qc/dropoutCheck.ts';
import { checkGhosting, estimateHalfFovGhostAmplitude } from '../../../server/qc/ghostingCheck.ts';
import { analyzeImageRegions, laplacianNoiseSigma, toPhaseFrequency, type ImageRegions } from '../../../server/qc/imageRegions.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { checkSnr, measureSnr } from '../../../server/qc/snrCheck.ts';
import { checkWrapAround } from '../../../server/qc/wrapAroundCheck.ts';
import { acquireSlab, addRicianNoise, createRandom, plannedSlab, type AcquisitionFaults } from './qcFixtures.ts';

const config = loadQcConfig();
const slab = plannedSlab('L4/L5', { matrix: 128 });

function regionsOf(images: MrImage[]): ImageRegions[] {
  return images.map((image) => analyzeImageRegions(toPhaseFrequency(image, 'COL')));
}

function acquire(faults: AcquisitionFaults): MrImage[] {
  return acquireSlab(slab, faults);
}

test('noise sigma of Rayleigh air is recovered', () => {
  const sigma = 20;
  const signal = new Float32Array(64 * 64);
  for (let row = 20; row < 44; row++) for (let column = 16; column < 48; column++) signal[row * 64 + column] = 500;
  const template = acquire({})[0];
  const image: MrImage = { ...template, pixels: addRicianNoise(signal, sigma, createRandom(3)), geometry: { ...template.geometry, rows: 64, columns: 64 } };
  const regions = analyzeImageRegions(toPhaseFrequency(image, 'COL'));
  assert.ok(regions.objectSeparated);
  assert.ok(Math.abs(regions.noiseSigma - sigma) / sigma < 0.08, `sigma ${regions.noiseSigma}`);
});

test('Laplacian noise estimate on flat Gaussian noise', () => {
  const random = createRandom(5);
  const data = new Float32Array(128 * 128);
  for (let i = 0; i < data.length; i++) data[i] = 1000 + 10 * Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  const sigma = laplacianNoiseSigma({ data, phaseCount: 128, frequencyCount: 128 });
  assert.ok(Math.abs(sigma - 10) < 1, `sigma ${sigma}`);
});

test('SNR scales inversely with noise', () => {
  const clean = measureSnr(regionsOf(acquire({ noiseSigma: 10 }))[2]) ?? 0;
  const noisy = measureSnr(regionsOf(acquire({ noiseSigma: 40 }))[2]) ?? 0;
  assert.ok(Math.abs(clean / noisy - 4) < 0.6, `ratio ${clean / noisy}`);
});

test('SNR check grades low SNR', () => {
  assert.is(checkSnr(regionsOf(acquire({ noiseSigma: 10 })), config).verdict, 'pass');
  const low = checkSnr(regionsOf(acquire({ noiseSigma: 80 })), config);
  assert.is(low.verdict, 'fail');
  assert.match(low.message.en, 'coil');
});

test('N/2 ghost amplitude is recovered', () => {
  for (const amplitude of [0, 0.05, 0.1, 0.3]) {
    const regions = regionsOf(acquire({ ghostAmplitude: amplitude === 0 ? undefined : amplitude }));
    const estimates = regions.map(estimateHalfFovGhostAmplitude).sort((a, b) => a - b);
    const median = estimates[2];
    assert.ok(Math.abs(median - amplitude) < 0.03 + 0.15 * amplitude, `amplitude ${amplitude}: estimated ${median}`);
  }
});

test('ghosting check flags strong ghosts', () => {
  assert.is(checkGhosting(regionsOf(acquire({})), config).verdict, 'pass');
  const ghosted = checkGhosting(regionsOf(acquire({ ghostAmplitude: 0.15 })), config);
  assert.is(ghosted.verdict, 'fail');
  assert.match(ghosted.message.en, 'phase direction');
});

test('wrap-around from a small phase FOV', () => {
  assert.is(checkWrapAround(regionsOf(acquire({})), config).verdict, 'pass');
  const wrapped = checkWrapAround(regionsOf(acquire({ wrapPhaseFovMm: 150 })), config);
  assert.is(wrapped.verdict, 'fail');
  assert.match(wrapped.message.en, 'FOV');
});

test('ghosts are not reported as wrap-around', () => {
  assert.is(checkWrapAround(regionsOf(acquire({ ghostAmplitude: 0.25 })), config).verdict, 'pass');
});

test('dark slice is found and named', () => {
  const images = acquire({ dropoutSlice: 3, dropoutFactor: 0.4 });
  const measured = measureSliceSignalRatio(images);
  assert.is(measured?.sliceIndex, 3);
  const check = checkSignalDropout(images, config);
  assert.is(check.verdict, 'fail');
  assert.match(check.message.en, 'Slice 4 of 5');
  assert.is(checkSignalDropout(acquire({}), config).verdict, 'pass');
});

test('single slice skips dropout', () => {
  const check = checkSignalDropout(acquire({}).slice(0, 1), config);
  assert.is(check.value, null);
  assert.is(check.verdict, 'pass');
});

test.run();
