import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { directionLps, pointLpsMm, type VolumeLps } from '../../server/geometry/types.ts';
import {
  addGhosting,
  DEFAULT_FAULT_STRENGTHS,
  FAULT_KINDS,
  faultedImageIndexes,
  FaultSpecError,
  motionForStrength,
  movePoint,
  moveVolume,
  parseFault,
  shiftPlaneStack,
  tiltPlaneStack,
  truncateDicom,
} from '../../simulator/faults.ts';
import { planeStackAround, planeStackCenterLpsMm, resliceImage } from '../../simulator/reslice.ts';

const axialStack = planeStackAround({ centerLpsMm: [5, -10, 40], rowCosineLps: [1, 0, 0], columnCosineLps: [0, 1, 0], sliceCount: 5, sliceThicknessMm: 3, gapMm: 0.5, rows: 8, columns: 10, pixelSpacingMm: 0.8 });

const angleDeg = (a: readonly number[], b: readonly number[]) => (Math.acos(Math.min(1, Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2]))) * 180) / Math.PI;

test('parseFault reads kind and strength', () => {
  assert.equal(parseFault('wrong-angle:12'), { kind: 'wrong-angle', strength: 12 });
  assert.equal(parseFault('drop-image'), { kind: 'drop-image', strength: 1 });
  for (const kind of FAULT_KINDS) assert.equal(parseFault(kind), { kind, strength: DEFAULT_FAULT_STRENGTHS[kind] });
});

test('parseFault rejects bad specs', () => {
  for (const spec of ['tilt', 'wrong-angle:90', 'drop-image:1.5', 'ghosting:abc', 'motion:1:2', 'slow-link:-5']) {
    assert.throws(() => parseFault(spec), (error: unknown) => error instanceof FaultSpecError && error.code === 'ERR_INVALID_FAULT', spec);
  }
});

test('wrong-angle tilts about the row direction', () => {
  fc.assert(
    fc.property(fc.double({ min: -45, max: 45, noNaN: true }), (tilt) => {
      const tilted = tiltPlaneStack(axialStack, tilt);
      const centerBefore = planeStackCenterLpsMm(axialStack);
      const centerAfter = planeStackCenterLpsMm(tilted);
      const centreKept = [0, 1, 2].every((axis) => Math.abs(centerBefore[axis] - centerAfter[axis]) < 1e-9);
      const normalTurned = Math.abs(angleDeg(tilted.sliceDirectionLps, axialStack.sliceDirectionLps) - Math.abs(tilt)) < 1e-6;
      const rowKept = tilted.rowCosineLps.every((value, axis) => value === axialStack.rowCosineLps[axis]);
      return centreKept && normalTurned && rowKept;
    }),
  );
});

test('wrong-offset shifts along the normal', () => {
  const shifted = shiftPlaneStack(axialStack, 6);
  const before = planeStackCenterLpsMm(axialStack);
  const after = planeStackCenterLpsMm(shifted);
  assert.ok(Math.abs(after[0] - before[0]) < 1e-9, 'x kept');
  assert.ok(Math.abs(after[1] - before[1]) < 1e-9, 'y kept');
  assert.ok(Math.abs(after[2] - before[2] - 6) < 1e-9, `z moved by 6 mm: ${after[2] - before[2]}`);
});

test('motion moves volume and anatomy together', () => {
  // A bright voxel at a known place must show up where the motion moves that place.
  const dims: [number, number, number] = [21, 21, 21];
  const data = new Float32Array(21 * 21 * 21);
  data[12 * 441 + 9 * 21 + 10] = 1000;
  const volume: VolumeLps = { dims, spacingMm: [1, 1, 1], originLpsMm: pointLpsMm(-10, -10, -10), directionLps: [directionLps(1, 0, 0), directionLps(0, 1, 0), directionLps(0, 0, 1)], data };
  const marker = [0, -1, 2] as [number, number, number];
  const motion = motionForStrength(6, [0, 0, 0]);
  const moved = moveVolume(volume, motion);
  const target = movePoint(motion, marker);
  const probe = planeStackAround({ centerLpsMm: target, rowCosineLps: [1, 0, 0], columnCosineLps: [0, 1, 0], sliceCount: 1, sliceThicknessMm: 0.1, gapMm: 0, rows: 1, columns: 1, pixelSpacingMm: 1 });
  const [value] = resliceImage(moved, probe, { thicknessSamples: 1 })[0];
  assert.ok(value > 999, `marker found at its moved position: ${value}`);
  const shift = Math.hypot(...motion.shiftLpsMm);
  assert.ok(Math.abs(shift - 6) < 1e-9, `shift 6 mm: ${shift}`);
  assert.is(motion.angleDeg, 3);
});

test('ghosting adds a half-FOV copy along phase', () => {
  const rows = 4;
  const columns = 6;
  const pixels = new Float32Array(rows * columns);
  pixels[1 * columns + 1] = 100;
  const column = addGhosting(pixels, rows, columns, 'ROW', 0.25);
  assert.is(column[1 * columns + 1], 100, 'original kept');
  assert.is(column[1 * columns + 4], 25, 'ghost half a row away');
  const row = addGhosting(pixels, rows, columns, 'COL', 0.25);
  assert.is(row[3 * columns + 1], 25, 'ghost half a column away');
  assert.is(pixels[1 * columns + 4], 0, 'input untouched');
});

test('count faults hit distinct middle images', () => {
  assert.equal(faultedImageIndexes(10, 1), [5]);
  assert.equal(faultedImageIndexes(10, 3), [4, 5, 6]);
  assert.equal(faultedImageIndexes(2, 5), [0, 1]);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), (images, count) => {
      const indexes = faultedImageIndexes(images, count);
      return indexes.length === Math.min(images, count) && new Set(indexes).size === indexes.length && indexes.every((index) => index >= 0 && index < images);
    }),
  );
});

test('truncateDicom keeps the preamble and cuts the end', () => {
  const bytes = new Uint8Array(1000).fill(7);
  const cut = truncateDicom(bytes);
  assert.is(cut.length, 600);
  assert.is(truncateDicom(new Uint8Array(150)).length, 132);
});

test.run();
