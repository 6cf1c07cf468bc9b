import { gunzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CONTRAST_PRESETS,
  LABEL_TABLE,
  discLabel,
  generatePhantom,
  renderLabels,
  vertebraLabel,
} from '../../../simulator/phantom/index.ts';
import type { Phantom } from '../../../simulator/phantom/index.ts';
import { LABEL_CSF, LABEL_SACRUM } from '../../../simulator/phantom/labels.ts';
import { encodeNifti } from '../../../simulator/phantom/nifti.ts';
import { createRandom } from '../../../simulator/phantom/random.ts';

/** Coarse voxels keep each phantom to a fraction of a second. */
const VOXEL_MM = 2;

function countLabel(phantom: Phantom, value: number): number {
  let count = 0;
  for (const label of phantom.labels.data) if (label === value) count += 1;
  return count;
}

function angleDeg(a: readonly number[], b: readonly number[]): number {
  const dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const norms = Math.hypot(a[0], a[1], a[2]) * Math.hypot(b[0], b[1], b[2]);
  return (Math.acos(Math.min(1, Math.max(-1, dot / norms))) * 180) / Math.PI;
}

test('random source repeats per seed', () => {
  const first = createRandom(42);
  const second = createRandom(42);
  const other = createRandom(43);
  const a = Array.from({ length: 5 }, () => first.next());
  const b = Array.from({ length: 5 }, () => second.next());
  const c = Array.from({ length: 5 }, () => other.next());
  assert.equal(a, b);
  assert.not.equal(a, c);
  assert.ok(a.every((value) => value >= 0 && value < 1));
});

test('phantom is deterministic per seed', () => {
  const first = generatePhantom({ seed: 11, voxelSizeMm: VOXEL_MM });
  const second = generatePhantom({ seed: 11, voxelSizeMm: VOXEL_MM });
  assert.equal(first.labels.dims, second.labels.dims);
  assert.ok(Buffer.from(first.labels.data).equals(Buffer.from(second.labels.data)), 'label volumes differ');
  assert.ok(Buffer.from(first.image.data.buffer).equals(Buffer.from(second.image.data.buffer)), 'images differ');
  assert.equal(first.truth, second.truth);
});

test('different seeds give different anatomy', () => {
  const first = generatePhantom({ seed: 1, voxelSizeMm: VOXEL_MM, render: false });
  const second = generatePhantom({ seed: 2, voxelSizeMm: VOXEL_MM, render: false });
  assert.not.ok(Buffer.from(first.labels.data).equals(Buffer.from(second.labels.data)));
  assert.is.not(first.truth.lordosisDeg, second.truth.lordosisDeg);
});

test('labels cover lumbar structures', () => {
  const phantom = generatePhantom({ seed: 3, voxelSizeMm: VOXEL_MM, variant: { lumbarCount: 5 }, render: false });
  for (const level of ['L1', 'L2', 'L3', 'L4', 'L5', 'S1'] as const) {
    assert.ok(countLabel(phantom, vertebraLabel(level)) > 100, `vertebra ${level} has too few voxels`);
  }
  for (const level of ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1'] as const) {
    assert.ok(countLabel(phantom, discLabel(level)) > 20, `disc ${level} has too few voxels`);
  }
  assert.ok(countLabel(phantom, LABEL_SACRUM) > 100, 'sacrum missing');
  assert.ok(countLabel(phantom, LABEL_CSF) > 100, 'CSF missing');
  for (const label of phantom.labels.data) assert.ok(LABEL_TABLE.has(label), `label ${label} is not in the label table`);
  assert.equal(phantom.labelNames[vertebraLabel('L3')], 'L3');
});

test('truth lists levels top-down', () => {
  const phantom = generatePhantom({ seed: 4, voxelSizeMm: VOXEL_MM, variant: { lumbarCount: 5 }, render: false });
  const levels = phantom.truth.vertebrae.map((vertebra) => vertebra.level);
  assert.ok(levels.includes('L1'), 'L1 missing');
  assert.ok(levels.includes('S1'), 'S1 missing');
  const superiorZ = phantom.truth.vertebrae.map((vertebra) => vertebra.centerLpsMm[2]);
  for (let index = 1; index < superiorZ.length; index += 1) assert.ok(superiorZ[index] < superiorZ[index - 1], 'vertebrae not ordered top-down');
  assert.equal(phantom.truth.discs.at(-1)?.level, 'L5/S1');
});

test('disc normals are unit and follow spine axis', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10000 }), (seed) => {
      const phantom = generatePhantom({ seed, voxelSizeMm: 4, render: false });
      const centres = new Map(phantom.truth.vertebrae.map((vertebra) => [vertebra.level, vertebra.centerLpsMm]));
      for (const disc of phantom.truth.discs) {
        assert.ok(Math.abs(Math.hypot(...disc.normalLps) - 1) < 1e-9, `${disc.level} normal is not unit`);
        assert.ok(disc.normalLps[2] > 0, `${disc.level} normal does not point superior`);
        const [upper, lower] = disc.level.split('/');
        const above = centres.get(upper as never);
        const below = centres.get(lower as never);
        if (above === undefined || below === undefined) continue;
        const axis = [above[0] - below[0], above[1] - below[1], above[2] - below[2]];
        assert.ok(angleDeg(disc.normalLps, axis) < 15, `${disc.level} normal is ${angleDeg(disc.normalLps, axis).toFixed(1)} deg off the spine axis`);
      }
    }),
    { numRuns: 8 },
  );
});

test('disc centre lies inside its label', () => {
  const phantom = generatePhantom({ seed: 5, voxelSizeMm: 1, fieldOfViewMm: [64, 200, 320], render: false });
  const { dims, originLpsMm, data } = phantom.labels;
  for (const disc of phantom.truth.discs.filter((candidate) => candidate.fullyInside)) {
    const i = Math.round(disc.centerLpsMm[0] - originLpsMm[0]);
    const j = Math.round(disc.centerLpsMm[1] - originLpsMm[1]);
    const k = Math.round(originLpsMm[2] - disc.centerLpsMm[2]);
    const label = data[k * dims[0] * dims[1] + j * dims[0] + i];
    assert.ok(label === disc.labelValue || label === disc.nucleusLabelValue, `${disc.level} centre has label ${label}`);
  }
});

test('variant with four lumbar levels', () => {
  const phantom = generatePhantom({ seed: 6, voxelSizeMm: VOXEL_MM, variant: { lumbarCount: 4 }, render: false });
  assert.is(phantom.truth.lumbarCount, 4);
  assert.is(countLabel(phantom, vertebraLabel('L5')), 0);
  assert.ok(countLabel(phantom, discLabel('L4/S1')) > 20);
  assert.equal(phantom.truth.discs.at(-1)?.level, 'L4/S1');
});

test('variant with six lumbar levels', () => {
  const phantom = generatePhantom({ seed: 6, voxelSizeMm: VOXEL_MM, variant: { lumbarCount: 6 }, render: false });
  assert.is(phantom.truth.lumbarCount, 6);
  assert.ok(countLabel(phantom, vertebraLabel('L6')) > 100);
  assert.equal(phantom.truth.discs.at(-1)?.level, 'L6/S1');
});

test('seeds draw transitional variants', () => {
  const counts = new Map<number, number>();
  for (let seed = 0; seed < 60; seed += 1) {
    const phantom = generatePhantom({ seed, voxelSizeMm: 4, render: false });
    counts.set(phantom.truth.lumbarCount, (counts.get(phantom.truth.lumbarCount) ?? 0) + 1);
  }
  assert.ok((counts.get(5) ?? 0) > 30, 'five lumbar levels should be the usual case');
  assert.ok((counts.get(4) ?? 0) > 0, 'no four-level spine in 60 seeds');
  assert.ok((counts.get(6) ?? 0) > 0, 'no six-level spine in 60 seeds');
});

test('degenerated disc is thinner and darker', () => {
  const phantom = generatePhantom({ seed: 8, voxelSizeMm: 1, variant: { lumbarCount: 5, degeneratedDiscs: ['L4/L5'] } });
  const discs = new Map(phantom.truth.discs.map((disc) => [disc.level, disc]));
  const degenerated = discs.get('L4/L5');
  const healthy = discs.get('L3/L4');
  assert.ok(degenerated !== undefined, 'L4/L5 missing');
  assert.ok(healthy !== undefined, 'L3/L4 missing');
  assert.ok(degenerated.degenerated);
  assert.ok(degenerated.heightMm < 0.75 * healthy.heightMm, `L4/L5 is ${degenerated.heightMm} mm, L3/L4 ${healthy.heightMm} mm`);
  const meanIntensity = (values: number[]): number => {
    let sum = 0;
    let count = 0;
    for (let index = 0; index < phantom.labels.data.length; index += 1) {
      if (values.includes(phantom.labels.data[index])) {
        sum += phantom.image.data[index];
        count += 1;
      }
    }
    return sum / count;
  };
  assert.ok(meanIntensity([degenerated.nucleusLabelValue]) < 0.6 * meanIntensity([healthy.nucleusLabelValue]));
});

test('unknown degenerated disc is rejected', () => {
  assert.throws(() => generatePhantom({ seed: 1, variant: { lumbarCount: 5, degeneratedDiscs: ['L6/S1'] } }), /L6\/S1 does not exist/);
});

test('invalid voxel size is rejected', () => {
  assert.throws(() => generatePhantom({ seed: 1, voxelSizeMm: 0 }), /voxelSizeMm 0 is outside/);
  assert.throws(() => generatePhantom({ seed: Number.NaN }), /seed NaN/);
});

test('contrast presets order tissues', () => {
  const phantom = generatePhantom({ seed: 9, voxelSizeMm: VOXEL_MM, render: false });
  const mean = (image: Float32Array, label: number): number => {
    let sum = 0;
    let count = 0;
    phantom.labels.data.forEach((value, index) => {
      if (value === label) {
        sum += image[index];
        count += 1;
      }
    });
    return sum / count;
  };
  const options = { seed: 1, noiseFraction: 0, biasFieldStrength: 0, partialVolumeBlur: false };
  const t2 = renderLabels(phantom.labels, CONTRAST_PRESETS.T2, options).data;
  const t1 = renderLabels(phantom.labels, CONTRAST_PRESETS.T1, options).data;
  const l3 = vertebraLabel('L3');
  assert.ok(mean(t2, LABEL_CSF) > 1.5 * mean(t2, l3), 'CSF should be brighter than marrow on T2');
  assert.ok(mean(t1, LABEL_CSF) < 0.5 * mean(t1, l3), 'CSF should be darker than marrow on T1');
});

test('rendered image has noise and geometry', () => {
  const phantom = generatePhantom({ seed: 10, voxelSizeMm: VOXEL_MM });
  assert.equal(phantom.image.dims, phantom.labels.dims);
  assert.equal(phantom.image.originLpsMm, phantom.labels.originLpsMm);
  let airSum = 0;
  let airCount = 0;
  phantom.labels.data.forEach((value, index) => {
    if (value === 0) {
      airSum += phantom.image.data[index];
      airCount += 1;
    }
  });
  assert.ok(airCount > 0, 'no air voxels');
  assert.ok(airSum / airCount > 1, 'air should carry Rician noise above zero');
  assert.ok(phantom.image.data.every((value) => Number.isFinite(value) && value >= 0));
});

test('NIfTI header matches volume', () => {
  const phantom = generatePhantom({ seed: 12, voxelSizeMm: 4, render: false });
  const bytes = gunzipSync(encodeNifti(phantom.labels, { compress: true }));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.is(view.getInt32(0, true), 348);
  assert.is(view.getInt16(42, true), phantom.labels.dims[0]);
  assert.is(view.getInt16(46, true), phantom.labels.dims[2]);
  assert.is(view.getInt16(70, true), 2);
  assert.is(view.getFloat32(80, true), 4);
  // RAS x of voxel 0 is minus the LPS x of the origin.
  assert.is(view.getFloat32(292, true), Math.fround(-phantom.labels.originLpsMm[0]));
  assert.is(new TextDecoder().decode(bytes.subarray(344, 347)), 'n+1');
  assert.is(bytes.length, 352 + phantom.labels.data.length);
  assert.is(bytes[352 + 1000], phantom.labels.data[1000]);
});

test.run();
