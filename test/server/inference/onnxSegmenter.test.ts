import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Vec3 } from '../../../server/geometry/types.ts';
import { ModelLoadError } from '../../../server/inference/modelContract.ts';
import { createOnnxSegmenter } from '../../../server/inference/onnxSegmenter.ts';
import { readOnnxMetadataProps, replaceOnnxMetadataProps } from '../../../server/inference/onnxMetadata.ts';
import { SegmentationInputError } from '../../../server/inference/types.ts';
import { discCentersZ, renderLocalizer, STANDARD_SAGITTAL } from './syntheticSpine.ts';

const BAND_MODEL = resolve(import.meta.dirname, '../../fixtures/inference/band-model.onnx');
const GROWING_BAND_MODEL = resolve(import.meta.dirname, '../../fixtures/inference/band-model-growing.onnx');
const ADJACENT_BAND_MODEL = resolve(import.meta.dirname, '../../fixtures/inference/band-model-adjacent.onnx');
const bandBytes = new Uint8Array(readFileSync(BAND_MODEL));
const bandMetadata = Object.fromEntries(readOnnxMetadataProps(bandBytes));
const tempDir = mkdtempSync(join(tmpdir(), 'lumbar-segmenter-'));

function writeModel(name: string, bytes: Uint8Array): string {
  const path = join(tempDir, name);
  writeFileSync(path, bytes);
  return path;
}

async function expectLoadError(modelPath: string, code: string): Promise<ModelLoadError> {
  try {
    await createOnnxSegmenter({ modelPath });
  } catch (error) {
    assert.instance(error, ModelLoadError);
    const loadError = error as ModelLoadError;
    assert.is(loadError.code, code, loadError.message);
    assert.match(loadError.message, modelPath);
    return loadError;
  }
  assert.unreachable(`expected ${code}`);
  throw new Error('unreachable');
}

function captureLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

test('metadata: read from the fixture', () => {
  assert.is(bandMetadata['lumbar.inputHeight'], '128');
  assert.is(bandMetadata['lumbar.classes'], '["background", "vertebra", "sacrum", "disc", "canal"]');
});

test('metadata: replace round trip', () => {
  const bytes = replaceOnnxMetadataProps(bandBytes, { a: '1', 'lumbar.spacingMm': 'π' });
  assert.equal(Object.fromEntries(readOnnxMetadataProps(bytes)), { a: '1', 'lumbar.spacingMm': 'π' });
});

test('load: missing file', async () => {
  await expectLoadError(join(tempDir, 'absent.onnx'), 'ERR_MODEL_NOT_FOUND');
});

test('load: corrupt file', async () => {
  const error = await expectLoadError(writeModel('truncated.onnx', bandBytes.subarray(0, 300)), 'ERR_MODEL_CORRUPT');
  assert.match(error.message, 'not a valid ONNX model');
  await expectLoadError(writeModel('text.onnx', new TextEncoder().encode('this is not a model')), 'ERR_MODEL_CORRUPT');
});

test('load: missing metadata keys', async () => {
  const { ['lumbar.spacingMm']: _spacing, ['lumbar.classes']: _classes, ...rest } = bandMetadata;
  const error = await expectLoadError(writeModel('missing-keys.onnx', replaceOnnxMetadataProps(bandBytes, rest)), 'ERR_MODEL_METADATA_MISSING');
  assert.match(error.message, 'lumbar.classes, lumbar.spacingMm');
});

test('load: wrong classes', async () => {
  const classes = JSON.stringify(['background', 'vertebra', 'disc', 'canal']);
  const error = await expectLoadError(writeModel('classes.onnx', replaceOnnxMetadataProps(bandBytes, { ...bandMetadata, 'lumbar.classes': classes })), 'ERR_MODEL_CLASSES');
  assert.match(error.message, classes);
});

test('load: invalid spacing', async () => {
  await expectLoadError(writeModel('spacing.onnx', replaceOnnxMetadataProps(bandBytes, { ...bandMetadata, 'lumbar.spacingMm': '0' })), 'ERR_MODEL_METADATA_INVALID');
});

test('load: invalid size multiple', async () => {
  const error = await expectLoadError(
    writeModel('multiple.onnx', replaceOnnxMetadataProps(bandBytes, { ...bandMetadata, 'lumbar.sizeMultiple': '1.5' })),
    'ERR_MODEL_METADATA_INVALID',
  );
  assert.match(error.message, 'lumbar.sizeMultiple is "1.5"');
});

test('load: metadata grid disagrees with graph', async () => {
  const error = await expectLoadError(writeModel('shape.onnx', replaceOnnxMetadataProps(bandBytes, { ...bandMetadata, 'lumbar.inputHeight': '256' })), 'ERR_MODEL_INPUT_SHAPE');
  assert.match(error.message, '[N,1,128,96]');
});

test('load: 3-channel graph without lumbar.inputChannels', async () => {
  const adjacentBytes = new Uint8Array(readFileSync(ADJACENT_BAND_MODEL));
  const { ['lumbar.inputChannels']: channels, ...rest } = Object.fromEntries(readOnnxMetadataProps(adjacentBytes));
  assert.is(channels, '3');
  const error = await expectLoadError(writeModel('no-channels.onnx', replaceOnnxMetadataProps(adjacentBytes, rest)), 'ERR_MODEL_INPUT_SHAPE');
  assert.match(error.message, 'has channel dimension 3');
  assert.match(error.message, 'lumbar.inputChannels is 1');
});

test('load: lumbar.inputChannels 3 on a 1-channel graph', async () => {
  const error = await expectLoadError(
    writeModel('three-on-one.onnx', replaceOnnxMetadataProps(bandBytes, { ...bandMetadata, 'lumbar.inputChannels': '3' })),
    'ERR_MODEL_INPUT_SHAPE',
  );
  assert.match(error.message, 'has channel dimension 1');
  assert.match(error.message, 'lumbar.inputChannels is 3');
});

test('load: invalid lumbar.inputChannels', async () => {
  const error = await expectLoadError(
    writeModel('channels-2.onnx', replaceOnnxMetadataProps(bandBytes, { ...bandMetadata, 'lumbar.inputChannels': '2' })),
    'ERR_MODEL_METADATA_INVALID',
  );
  assert.match(error.message, 'lumbar.inputChannels is "2"');
});

test('load: unknown execution provider', async () => {
  try {
    await createOnnxSegmenter({ modelPath: BAND_MODEL, executionProvider: 'tpu' as 'cpu' });
    assert.unreachable('expected ERR_EXECUTION_PROVIDER');
  } catch (error) {
    assert.is((error as ModelLoadError).code, 'ERR_EXECUTION_PROVIDER');
  }
});

test('load: cuda falls back to cpu with one warning', async () => {
  const { logger, lines } = captureLogger();
  const segmenter = await createOnnxSegmenter({ modelPath: BAND_MODEL, executionProvider: 'cuda', logger });
  const warnings = lines.filter((line) => line.level === 40);
  const installed = (await import('onnxruntime-node')).listSupportedBackends().some((entry) => entry.name === 'cuda' && entry.bundled);
  if (installed && segmenter.describe().executionProvider === 'cuda') {
    assert.is(warnings.length, 0);
    return;
  }
  assert.is(segmenter.describe().executionProvider, 'cpu');
  assert.is(warnings.length, 1);
  assert.match(String(warnings[0].msg), 'cuda');
});

test('segment: band model on a synthetic localizer', async () => {
  const segmenter = await createOnnxSegmenter({ modelPath: BAND_MODEL });
  const result = await segmenter.segment(renderLocalizer());
  const names = result.structures.map((structure) => structure.name);
  assert.equal(names, ['T12', 'T12/L1', 'L1', 'L1/L2', 'L2', 'L2/L3', 'L3', 'L3/L4', 'L4', 'L4/L5', 'L5', 'L5/S1', 'S1', 'canal']);
  for (const disc of discCentersZ()) {
    const structure = result.structures.find((entry) => entry.name === disc.name);
    assert.ok(structure, `${disc.name} missing`);
    assert.ok(Math.abs(structure.centroidLpsMm[2] - disc.zMm) < 1.5, `${disc.name} centroid z ${structure.centroidLpsMm[2]}`);
  }
  // The band model has no sacrum, so counting starts at the lowest disc.
  assert.ok(result.flags.some((flag) => flag.code === 'SACRUM_NOT_FOUND'));
  assert.is(result.model.version, 'band-model-1');
  assert.is(result.labelMap.length, 200 * 160 * 11);
  assert.ok(result.timingMs.total >= result.timingMs.inference);
});

const LEVEL_L4L5_Z = discCentersZ().find((disc) => disc.name === 'L4/L5')?.zMm ?? NaN;

test('segment: same anatomy in any orientation and patient position', async () => {
  const segmenter = await createOnnxSegmenter({ modelPath: BAND_MODEL });
  const orientations: Array<{ rowCosine: Vec3; columnCosine: Vec3 }> = [
    { rowCosine: [0, -1, 0], columnCosine: [0, 0, -1] },
    { rowCosine: [0, 0, 1], columnCosine: [0, 1, 0] },
    { rowCosine: [0, 1, 0], columnCosine: [0, 0, 1] },
  ];
  for (const orientation of orientations) {
    const result = await segmenter.segment(renderLocalizer({ ...STANDARD_SAGITTAL, ...orientation, rows: 180, columns: 180 }));
    const disc = result.structures.find((structure) => structure.name === 'L4/L5');
    assert.ok(disc, JSON.stringify(orientation));
    assert.ok(Math.abs(disc.centroidLpsMm[2] - LEVEL_L4L5_Z) < 1.5, `L4/L5 z ${disc.centroidLpsMm[2]} for ${JSON.stringify(orientation)}`);
  }
});

test('segment: grid follows an off-centre spine', async () => {
  const segmenter = await createOnnxSegmenter({ modelPath: BAND_MODEL });
  // A 375 mm field of view centred 150 mm above the L5/S1 disc: the 256 mm grid centred on the image would cut it off.
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, rows: 300, columns: 300, centerLpsMm: [0, -60, 150] });
  const result = await segmenter.segment(series);
  const lowest = result.structures.find((structure) => structure.name === 'L5/S1');
  assert.ok(lowest, 'L5/S1 missing');
  assert.ok(Math.abs(lowest.centroidLpsMm[2]) < 1.5, `L5/S1 centroid z ${lowest.centroidLpsMm[2]}`);
});

test('segment: a growing grid covers a tall localizer without a centring pass', async () => {
  // A field of view 375 mm tall and 187.5 mm deep, centred 150 mm above the L5/S1 disc: a model
  // that accepts any grid height gets 192 rows of 2 mm, and the 192 mm grid width needs no centring.
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, rows: 300, columns: 150, centerLpsMm: [0, -60, 150] });
  const runs = async (options: { maxGridHeightMm?: number; modelPath: string }) => {
    const { logger, lines } = captureLogger();
    const segmenter = await createOnnxSegmenter({ ...options, logger });
    const result = await segmenter.segment(series);
    const lowest = result.structures.find((structure) => structure.name === 'L5/S1');
    assert.ok(lowest, 'L5/S1 missing');
    assert.ok(Math.abs(lowest.centroidLpsMm[2]) < 1.5, `L5/S1 centroid z ${lowest.centroidLpsMm[2]}`);
    return lines.find((line) => line.msg === 'series segmented') as { gridRows: number; centringPass: boolean };
  };
  const grown = await runs({ modelPath: GROWING_BAND_MODEL });
  assert.is(grown.gridRows, 192);
  assert.is(grown.centringPass, false);
  const fixed = await runs({ modelPath: BAND_MODEL });
  assert.is(fixed.gridRows, 128);
  assert.is(fixed.centringPass, true);
  // A limit below the field of view keeps the tallest allowed grid, centred on the spine.
  const limited = await runs({ modelPath: GROWING_BAND_MODEL, maxGridHeightMm: 300 });
  assert.is(limited.gridRows, 144);
  assert.is(limited.centringPass, true);
});

test('segment: adjacent-slice model matches the growing model', async () => {
  const cases = [
    { name: 'standard localizer', series: renderLocalizer(), options: {}, centringPass: false },
    // A tall, off-centre localizer with a grid limit below its height adds a centring pass at another offset.
    { name: 'tall localizer', series: renderLocalizer({ ...STANDARD_SAGITTAL, rows: 300, columns: 150, centerLpsMm: [0, -60, 150] }), options: { maxGridHeightMm: 300 }, centringPass: true },
  ];
  for (const entry of cases) {
    const runs = await Promise.all(
      [GROWING_BAND_MODEL, ADJACENT_BAND_MODEL].map(async (modelPath) => {
        const { logger, lines } = captureLogger();
        const segmenter = await createOnnxSegmenter({ ...entry.options, modelPath, logger });
        const result = await segmenter.segment(entry.series);
        const loaded = lines.find((line) => line.msg === 'segmentation model loaded') as { inputChannels: number };
        const segmented = lines.find((line) => line.msg === 'series segmented') as { inputChannels: number; slices: number; centringPass: boolean };
        return { result, loaded, segmented };
      }),
    );
    const [growing, adjacent] = runs;
    assert.is(growing.loaded.inputChannels, 1, entry.name);
    assert.is(adjacent.loaded.inputChannels, 3, entry.name);
    assert.is(growing.segmented.inputChannels, 1, entry.name);
    assert.is(adjacent.segmented.inputChannels, 3, entry.name);
    assert.is(adjacent.segmented.slices, growing.segmented.slices, entry.name);
    assert.is(growing.segmented.centringPass, entry.centringPass, entry.name);
    assert.is(adjacent.segmented.centringPass, entry.centringPass, entry.name);
    assert.ok(adjacent.result.structures.some((structure) => structure.name === 'L4/L5'), `${entry.name}: L4/L5 missing`);
    assert.equal(adjacent.result.structures, growing.result.structures, entry.name);
    assert.equal(adjacent.result.flags, growing.result.flags, entry.name);
    assert.ok(adjacent.result.labelMap.every((value, voxel) => value === growing.result.labelMap[voxel]), `${entry.name}: label maps differ`);
  }
});

test('segment: bad input is rejected with its code', async () => {
  const segmenter = await createOnnxSegmenter({ modelPath: BAND_MODEL });
  const cases: Array<{ code: string; series: ReturnType<typeof renderLocalizer> }> = [
    { code: 'ERR_BLANK_IMAGE', series: renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 2 }, () => 0) },
    { code: 'ERR_NOT_SAGITTAL', series: renderLocalizer({ ...STANDARD_SAGITTAL, rowCosine: [1, 0, 0], columnCosine: [0, 1, 0], sliceCount: 2 }) },
    { code: 'ERR_NOT_A_SPINE', series: renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 2 }, (point) => (Math.abs(point[1]) < 60 ? 100 : 0)) },
    { code: 'ERR_EMPTY_SERIES', series: { ...renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 1 }), images: [] } },
  ];
  for (const entry of cases) {
    try {
      await segmenter.segment(entry.series);
      assert.unreachable(`expected ${entry.code}`);
    } catch (error) {
      assert.instance(error, SegmentationInputError);
      assert.is((error as SegmentationInputError).code, entry.code);
    }
  }
});

test('segment: aborted signal', async () => {
  const segmenter = await createOnnxSegmenter({ modelPath: BAND_MODEL });
  const controller = new AbortController();
  controller.abort();
  try {
    await segmenter.segment(renderLocalizer(), controller.signal);
    assert.unreachable('expected an abort');
  } catch (error) {
    assert.is((error as Error).name, 'AbortError');
  }
});

test.after(() => rmSync(tempDir, { recursive: true, force: true }));

test.run();
