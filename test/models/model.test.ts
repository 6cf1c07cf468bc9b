import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readOnnxMetadataProps } from '../../server/inference/onnxMetadata.ts';
import { LABEL_TABLE, MODEL_CLASSES, generatePhantom } from '../../simulator/phantom/index.ts';

const MODEL_PATH = join(import.meta.dirname, '../../models/lumbar-seg.onnx');
const MAX_MODEL_BYTES = 20 * 1024 * 1024;

function metadata(): Map<string, string> {
  return readOnnxMetadataProps(new Uint8Array(readFileSync(MODEL_PATH)));
}

/** Input channels per slice: 1, or 3 for a model fed the slice and its two neighbours. */
function inputChannels(): number {
  return Number(metadata().get('lumbar.inputChannels') ?? '1');
}

/** Distance of the neighbour slices given to a three-channel model here, mm. */
const NEIGHBOUR_DISTANCE_MM = 4;

test('model file exists and is small', () => {
  assert.ok(existsSync(MODEL_PATH), `${MODEL_PATH} is missing; run models/train.sh`);
  assert.ok(statSync(MODEL_PATH).size <= MAX_MODEL_BYTES, 'model is larger than 20 MB');
});

test('metadata describes the contract', () => {
  const entries = metadata();
  assert.equal(JSON.parse(entries.get('lumbar.classes') ?? 'null'), [...MODEL_CLASSES]);
  assert.is(entries.get('lumbar.orientation'), 'rows superior->inferior, columns anterior->posterior');
  assert.ok(Number(entries.get('lumbar.inputHeight')) > 0);
  assert.ok(Number(entries.get('lumbar.spacingMm')) > 0);
  assert.match(entries.get('lumbar.normalization') ?? '', /percentile/);
  assert.match(entries.get('lumbar.trainingDataHash') ?? '', /^[0-9a-f]{64}$/);
});

test('model accepts a taller grid', async () => {
  assert.is(metadata().get('lumbar.sizeMultiple'), '16');
  const session = await ort.InferenceSession.create(MODEL_PATH);
  const input = session.inputMetadata.find((entry) => entry.name === 'image');
  assert.ok(input?.isTensor);
  const channels = inputChannels();
  assert.equal(input.shape, ['N', channels, 'H', 'W']);
  const rows = 304;
  const output = await session.run({ image: new ort.Tensor('float32', new Float32Array(channels * rows * 224).fill(0.2), [1, channels, rows, 224]) });
  assert.equal(output.probabilities.dims, [1, 5, rows, 224]);
});

/**
 * Mid-sagittal phantom slice on the model grid, normalized by the metadata rule, with its class
 * map. With 3 channels the slices 4 mm to either side are channels 0 and 2.
 */
function phantomSlice(size: number, spacingMm: number, channels: number): { input: Float32Array; classes: Uint8Array } {
  const phantom = generatePhantom({ seed: 9100, voxelSizeMm: 1, fieldOfViewMm: [32, 256, 320] });
  const [nx, ny, nz] = phantom.image.dims;
  const centreI = Math.floor(nx / 2);
  const columnsI = channels === 3 ? [centreI - NEIGHBOUR_DISTANCE_MM, centreI, centreI + NEIGHBOUR_DISTANCE_MM] : [centreI];
  const planeSize = size * size;
  const input = new Float32Array(channels * planeSize);
  const classes = new Uint8Array(planeSize);
  const classOfLabel = new Uint8Array(256);
  for (const [value, info] of LABEL_TABLE) classOfLabel[value] = MODEL_CLASSES.indexOf(info.modelClass);

  // Nearest-neighbour sampling from the 1 mm grid onto the model grid, both centred.
  for (let row = 0; row < size; row += 1) {
    for (let column = 0; column < size; column += 1) {
      const k = Math.round((nz - 1) / 2 + (row - (size - 1) / 2) * spacingMm);
      const j = Math.round((ny - 1) / 2 + (column - (size - 1) / 2) * spacingMm);
      if (k < 0 || k >= nz || j < 0 || j >= ny) continue;
      columnsI.forEach((i, channel) => {
        input[channel * planeSize + row * size + column] = phantom.image.data[k * nx * ny + j * nx + i];
      });
      classes[row * size + column] = classOfLabel[phantom.labels.data[k * nx * ny + j * nx + centreI]];
    }
  }

  const sorted = Float32Array.from(input).sort();
  const at = (values: Float32Array, fraction: number): number => values[Math.floor(fraction * (values.length - 1))];
  const threshold = 0.05 * at(sorted, 0.99);
  const foreground = sorted.filter((value) => value > threshold);
  const low = at(foreground, 0.01);
  const high = at(foreground, 0.99);
  for (let index = 0; index < input.length; index += 1) input[index] = Math.min(1, Math.max(0, (input[index] - low) / (high - low)));
  return { input, classes };
}

test('phantom slice clears Dice floor', async () => {
  const entries = metadata();
  const size = Number(entries.get('lumbar.inputHeight'));
  const spacingMm = Number(entries.get('lumbar.spacingMm'));
  const channels = inputChannels();
  const { input, classes } = phantomSlice(size, spacingMm, channels);
  const session = await ort.InferenceSession.create(MODEL_PATH, { intraOpNumThreads: 2 });
  const output = await session.run({ image: new ort.Tensor('float32', input, [1, channels, size, size]) });
  const probabilities = output.probabilities.data as Float32Array;
  const classCount = MODEL_CLASSES.length;
  assert.equal(output.probabilities.dims, [1, classCount, size, size]);

  const planeSize = size * size;
  const predicted = new Uint8Array(planeSize);
  for (let pixel = 0; pixel < planeSize; pixel += 1) {
    let best = 0;
    let sum = 0;
    for (let channel = 0; channel < classCount; channel += 1) {
      const value = probabilities[channel * planeSize + pixel];
      sum += value;
      if (value > probabilities[best * planeSize + pixel]) best = channel;
    }
    assert.ok(Math.abs(sum - 1) < 1e-3, `probabilities at pixel ${pixel} sum to ${sum}`);
    predicted[pixel] = best;
  }

  for (const name of ['vertebra', 'disc', 'canal'] as const) {
    const channel = MODEL_CLASSES.indexOf(name);
    let overlap = 0;
    let total = 0;
    for (let pixel = 0; pixel < planeSize; pixel += 1) {
      const inPrediction = predicted[pixel] === channel;
      const inTruth = classes[pixel] === channel;
      if (inPrediction && inTruth) overlap += 1;
      total += Number(inPrediction) + Number(inTruth);
    }
    const dice = (2 * overlap) / total;
    assert.ok(dice >= 0.6, `${name} Dice ${dice.toFixed(3)} is below the 0.6 floor`);
  }
});

test.run();
