import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { restoreSegmentation, segmentationArtifact } from '../../../server/session/segmentationArtifact.ts';
import { localizerImageWire, planApplyMessage, planMessage, segmentationMessage } from '../../../server/session/consoleMessages.ts';
import { fakeBuildSeries, fakeImage, fakePlan, fakeSegmentation, LOCALIZER_UID } from './doubles.ts';

test('localizer pixels encode as uint16', () => {
  const image = fakeImage(LOCALIZER_UID, 0);
  const wire = localizerImageWire(image);
  assert.is(wire.pixelEncoding, 'uint16le');
  const bytes = Buffer.from(wire.pixelsBase64, 'base64');
  assert.is(bytes.length, image.pixels.length * 2);
  for (const index of [0, 1, 17, 63]) assert.is(bytes.readUInt16LE(index * 2), Math.round(image.pixels[index]), `pixel ${index}`);
  assert.equal(wire.rowCosineLps, [0, 1, 0]);
  assert.is(wire.spacingBetweenRowsMm, 30);
  assert.ok(wire.windowWidth > 0);
});

test('negative pixels encode as int16', () => {
  const image = fakeImage(LOCALIZER_UID, 0);
  image.pixels[0] = -40000;
  image.pixels[1] = -12.6;
  const wire = localizerImageWire(image);
  assert.is(wire.pixelEncoding, 'int16le');
  const bytes = Buffer.from(wire.pixelsBase64, 'base64');
  assert.is(bytes.readInt16LE(0), -32768, 'values below the int16 range are clamped');
  assert.is(bytes.readInt16LE(2), -13);
});

/** The display window by definition: 1st and 99th percentile of the sorted strided sample. */
function sortedWindow(pixels: Float32Array): { windowCenter: number; windowWidth: number } {
  const stride = Math.max(1, Math.floor(pixels.length / 4096));
  const sample: number[] = [];
  for (let i = 0; i < pixels.length; i += stride) sample.push(pixels[i]);
  sample.sort((a, b) => a - b);
  const low = sample[Math.floor(sample.length * 0.01)];
  const high = sample[Math.min(sample.length - 1, Math.floor(sample.length * 0.99))];
  return { windowCenter: (low + high) / 2, windowWidth: Math.max(1, high - low) };
}

test('display window matches sorted percentiles', () => {
  const pixelValues = fc.oneof(fc.integer({ min: -2000, max: 4000 }), fc.float({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true }));
  fc.assert(
    fc.property(fc.array(pixelValues, { minLength: 1, maxLength: 9000 }), (values) => {
      const image = fakeImage(LOCALIZER_UID, 0);
      image.pixels = Float32Array.from(values);
      const wire = localizerImageWire(image);
      const expected = sortedWindow(image.pixels);
      // === rather than Object.is, because the two orders may pick a different one of -0 and 0.
      assert.ok(wire.windowCenter === expected.windowCenter, `center ${wire.windowCenter}, expected ${expected.windowCenter}`);
      assert.ok(wire.windowWidth === expected.windowWidth, `width ${wire.windowWidth}, expected ${expected.windowWidth}`);
    }),
    { numRuns: 200 },
  );
});

test('segmentation message carries the label map', () => {
  const result = fakeSegmentation(fakeBuildSeries([fakeImage(LOCALIZER_UID, 0), fakeImage(LOCALIZER_UID, 1)]), 0.9);
  const message = segmentationMessage('s-1', result);
  assert.equal(new Uint8Array(Buffer.from(message.labelMapBase64, 'base64')), result.labelMap);
  assert.equal(message.dims, { columns: 8, rows: 8, slices: 2 });
  assert.equal(
    message.structures.map((structure) => structure.name),
    ['L3/L4', 'L4/L5', 'L5/S1'],
  );
});

test('segmentation artifact restores the result', () => {
  const result = fakeSegmentation(fakeBuildSeries([fakeImage(LOCALIZER_UID, 0)]), 0.4);
  const restored = restoreSegmentation(segmentationArtifact(result));
  assert.equal(restored.labelMap, result.labelMap);
  assert.equal(restored.structures, result.structures);
  assert.equal(restored.flags, result.flags);
  assert.is(restored.confidence, 0.4);
});

test('plan apply lists slabs in order', () => {
  const plan = fakePlan(3);
  const message = planApplyMessage('exam-1', 's-1', plan, ['slab-3', 'slab-1', 'slab-404']);
  assert.equal(
    message.slabs.map((slab) => slab.slabId),
    ['slab-3', 'slab-1'],
  );
  assert.is(message.planRevision, 3);
  assert.is(message.planId, 'plan-1');
  assert.equal(planMessage('s-1', plan, ['slab-1']).confirmedSlabIds, ['slab-1']);
});

test.run();
