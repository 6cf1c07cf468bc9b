import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { MrImage } from '../../../server/dicom/types.ts';
import { analyzeImageRegions, laplacianNoiseSigma, toPhaseFrequency } from '../../../server/qc/imageRegions.ts';
import { acquireSlab, addRicianNoise, createRandom, plannedSlab } from './qcFixtures.ts';

const slab = plannedSlab('L4/L5', { matrix: 32 });

function acquire(): MrImage[] {
  return acquireSlab(slab, {});
}

test('noise sigma of Rayleigh air is recovered', () => {
  const sigma = 20;
  const signal = new Float32Array(64 * 64);
  for (let row = 20; row < 44; row++) for (let column = 16; column < 48; column++) signal[row * 64 + column] = 500;
  const template = acquire()[0];
  const image: MrImage = { ...template, pixels: addRicianNoise(signal, sigma, createRandom(3)), geometry: { ...template.geometry, rows: 64, columns: 64 } };
  const regions = analyzeImageRegions(toPhaseFrequency(image, 'COL'));
  assert.ok(regions.objectSeparated);
  assert.ok(Math.abs(regions.noiseSigma - sigma) / sigma < 0.08, `sigma ${regions.noiseSigma}`);
});

test('air on a constant offset is flagged', () => {
  const template = acquire()[0];
  const regionsWithFloor = (floor: number) => {
    const signal = new Float32Array(64 * 64).fill(floor);
    for (let row = 20; row < 44; row++) for (let column = 16; column < 48; column++) signal[row * 64 + column] = 500;
    const image: MrImage = { ...template, pixels: addRicianNoise(signal, 5, createRandom(7)), geometry: { ...template.geometry, rows: 64, columns: 64 } };
    return analyzeImageRegions(toPhaseFrequency(image, 'COL'));
  };
  assert.is(regionsWithFloor(0).backgroundOffset, false);
  assert.is(regionsWithFloor(40).backgroundOffset, true);
});

test('Laplacian noise estimate on flat Gaussian noise', () => {
  const random = createRandom(5);
  const data = new Float32Array(128 * 128);
  for (let i = 0; i < data.length; i++) data[i] = 1000 + 10 * Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  const sigma = laplacianNoiseSigma({ data, phaseCount: 128, frequencyCount: 128 });
  assert.ok(Math.abs(sigma - 10) < 1, `sigma ${sigma}`);
});

test.run();
