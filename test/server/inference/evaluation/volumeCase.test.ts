import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { directionLps, pointLpsMm, type VolumeLps } from '../../../../server/geometry/types.ts';
import { scoreSegmentation, sliceCounts, volumeToLocalizer } from '../../../../server/inference/evaluation/volumeCase.ts';
import type { SegmentationResult, Structure } from '../../../../server/inference/types.ts';

function structure(name: string, kind: Structure['kind'], labelValue: number): Structure {
  return {
    name,
    kind,
    labelValue,
    centroidLpsMm: pointLpsMm(0, 0, 0),
    principalAxesLps: [directionLps(0, 0, 1), directionLps(0, 1, 0), directionLps(1, 0, 0)],
    extentsMm: [1, 1, 1],
    volumeMm3: 1,
    confidence: 1,
  };
}

function prediction(labelMap: number[], structures: Structure[]): SegmentationResult {
  return {
    seriesInstanceUid: '2.25.1',
    frameOfReferenceUid: '2.25.2',
    structures,
    labelMap: Uint8Array.from(labelMap),
    labelNames: Object.fromEntries(structures.map((entry) => [entry.labelValue, entry.name])),
    dims: { columns: labelMap.length, rows: 1, slices: 1 },
    confidence: 1,
    flags: [],
    model: { name: 'test', version: '1', executionProvider: 'cpu' },
    timingMs: { preprocess: 0, inference: 0, postprocess: 0, total: 0 },
  };
}

const REFERENCE = Uint8Array.from([0, 1, 1, 1, 2, 2, 2, 2, 0, 0]);
const NAMES = { 1: 'L4/L5', 2: 'L4' };

test('score: right names and partial overlap', () => {
  const predicted = prediction([0, 0, 7, 7, 8, 8, 8, 8, 8, 0], [structure('L4/L5', 'disc', 7), structure('L4', 'vertebra', 8)]);
  const score = scoreSegmentation(predicted, REFERENCE, NAMES);
  assert.is(score.dice.disc, (2 * 2) / (2 + 3));
  assert.is(score.dice.vertebra, (2 * 4) / (5 + 4));
  assert.equal(score.diceByLevel, { 'L4/L5': 0.8, L4: (2 * 4) / 9 });
  assert.is(score.levelsCorrect, 2);
  assert.is(score.levelsLabelled, 2);
});

test('score: wrong level names', () => {
  const predicted = prediction([0, 7, 7, 7, 8, 8, 8, 8, 0, 0], [structure('L3/L4', 'disc', 7), structure('L3', 'vertebra', 8)]);
  const score = scoreSegmentation(predicted, REFERENCE, NAMES);
  assert.is(score.dice.disc, 1);
  assert.is(score.levelsCorrect, 0);
  assert.equal(score.diceByLevel, { 'L4/L5': 0, L4: 0 });
});

test('score: structures outside the labelled levels are left out', () => {
  const predicted = prediction([9, 7, 7, 7, 8, 8, 8, 8, 0, 6], [
    structure('L4/L5', 'disc', 7),
    structure('L4', 'vertebra', 8),
    structure('L5/S1', 'disc', 9),
    structure('L3', 'vertebra', 6),
  ]);
  const score = scoreSegmentation(predicted, REFERENCE, NAMES);
  assert.is(score.dice.disc, 1);
  assert.is(score.dice.vertebra, 1);
});

test('score: class-only labels skip level identification', () => {
  const predicted = prediction([0, 0, 0, 0, 8, 8, 8, 8, 0, 0], [structure('L4', 'vertebra', 8)]);
  const score = scoreSegmentation(predicted, Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0, 0]), { 1: 'vertebra' });
  assert.is(score.dice.vertebra, 1);
  assert.is(score.dice.disc, null);
  assert.is(score.levelsLabelled, 0);
});

test('slice counts: per plane, in series order', () => {
  // Two planes of five pixels: the reference covers pixels 1-3 and 6-7, the prediction 2-4 and 9.
  const reference = [0, 1, 1, 1, 0, 0, 1, 1, 0, 0];
  const predicted = [0, 0, 1, 1, 1, 0, 0, 0, 0, 1];
  const counts = sliceCounts(10, 2, (index) => predicted[index] === 1, (index) => reference[index] === 1);
  assert.equal(counts[0], { reference: 3, predicted: 3, overlap: 2 });
  assert.equal(counts[1], { reference: 2, predicted: 1, overlap: 0 });
  assert.throws(() => sliceCounts(10, 3, () => true, () => true), /10 voxels cannot hold 3 equal planes/);
});

test('score: slice counts follow the class Dice', () => {
  const predicted = prediction([0, 0, 7, 7, 8, 8, 8, 8, 8, 0], [structure('L4/L5', 'disc', 7), structure('L4', 'vertebra', 8)]);
  const score = scoreSegmentation(predicted, REFERENCE, NAMES);
  assert.equal(score.sliceCounts.disc, [{ reference: 3, predicted: 2, overlap: 2 }]);
  assert.equal(score.sliceCounts.vertebra, [{ reference: 4, predicted: 5, overlap: 4 }]);
  const vertebraOnly = scoreSegmentation(predicted, Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0, 0]), { 1: 'vertebra' });
  assert.is(vertebraOnly.sliceCounts.disc, null);
});

test('localizer: labels align with the image', () => {
  // Laid out like the public sets: axis 0 head to feet, axis 1 front to back, axis 2 across; an
  // even size along axis 0 puts the default localizer's pixel centres between voxel centres.
  const dims: [number, number, number] = [40, 31, 9];
  const placement = {
    dims,
    spacingMm: [1, 1, 1] as [number, number, number],
    originLpsMm: pointLpsMm(4, 0, 0),
    directionLps: [directionLps(0, 0, -1), directionLps(0, 1, 0), directionLps(-1, 0, 0)] as VolumeLps['directionLps'],
  };
  const image = new Float32Array(dims[0] * dims[1] * dims[2]).fill(10);
  const labels = new Uint8Array(image.length);
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 10; j < 20; j++) {
      for (let i = 12; i < 18; i++) {
        image[k * dims[0] * dims[1] + j * dims[0] + i] = 1000;
        labels[k * dims[0] * dims[1] + j * dims[0] + i] = 1;
      }
    }
  }
  const { series, reference } = volumeToLocalizer({ image: { ...placement, data: image }, labels: { ...placement, data: labels }, labelNames: { 1: 'L4/L5' } }, 'aligned');
  const middle = Math.floor(series.images.length / 2);
  const plane = series.images[middle].pixels;
  const planeSize = plane.length;
  let bright = 0;
  let mismatched = 0;
  for (let pixel = 0; pixel < planeSize; pixel++) {
    const isBright = plane[pixel] > 505;
    if (isBright) bright += 1;
    if (isBright !== (reference[middle * planeSize + pixel] === 1)) mismatched += 1;
  }
  assert.is(bright, 60);
  assert.is(mismatched, 0);
});

test.run();
