import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Vec3 } from '../../../server/geometry/types.ts';
import { connectedComponents } from '../../../server/inference/components.ts';
import type { ClassMap } from '../../../server/inference/labelMapping.ts';
import { EXPECTED_CLASSES } from '../../../server/inference/modelContract.ts';
import { postprocess } from '../../../server/inference/postprocess.ts';
import { canonicalFrame } from '../../../server/inference/preprocess.ts';
import { selectRank, symmetricEigen3 } from '../../../server/inference/structureStats.ts';
import { SegmentationInputError } from '../../../server/inference/types.ts';
import { discCentersZ, renderLocalizer, STANDARD_SAGITTAL, TISSUE } from './syntheticSpine.ts';

const CLASS = { background: 0, vertebra: 1, sacrum: 2, disc: 3, canal: 4 };

/** Builds a class map that follows the analytic spine, with everything below the L5/S1 disc as sacrum when `withSacrum`. */
function analyticClassMap(withSacrum: boolean): { series: ReturnType<typeof renderLocalizer>; classMap: ClassMap } {
  const series = renderLocalizer({ ...STANDARD_SAGITTAL, sliceCount: 13, sliceSpacingMm: 4 });
  const { rows, columns } = series.images[0].geometry;
  const classIndex = new Uint8Array(rows * columns * series.images.length);
  series.images.forEach((image, k) => {
    const origin = image.geometry.imagePositionLpsMm;
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < columns; i++) {
        const z = origin[2] - j * image.geometry.spacingBetweenRowsMm;
        const value = image.pixels[j * columns + i];
        let label = CLASS.background;
        if (value === TISSUE.vertebra) label = withSacrum && z < -4 ? CLASS.sacrum : CLASS.vertebra;
        if (value === TISSUE.disc) label = CLASS.disc;
        if (value === TISSUE.canal) label = CLASS.canal;
        classIndex[k * rows * columns + j * columns + i] = label;
      }
    }
  });
  const probability = new Float32Array(classIndex.length).fill(0.9);
  return { series, classMap: { classIndex, probability, segmentedSlices: series.images.map(() => true) } };
}

test('postprocess: names and centroids from an analytic class map', () => {
  const { series, classMap } = analyticClassMap(true);
  const result = postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
  const names = result.structures.map((structure) => structure.name);
  assert.equal(names, ['T12', 'T12/L1', 'L1', 'L1/L2', 'L2', 'L2/L3', 'L3', 'L3/L4', 'L4', 'L4/L5', 'L5', 'L5/S1', 'S1', 'canal']);
  for (const disc of discCentersZ()) {
    const structure = result.structures.find((entry) => entry.name === disc.name);
    assert.ok(structure, disc.name);
    assert.ok(Math.abs(structure.centroidLpsMm[2] - disc.zMm) < 1, `${disc.name} centroid z ${structure.centroidLpsMm[2]} vs ${disc.zMm}`);
    // A disc is thinnest along the spine axis.
    assert.ok(Math.abs(structure.principalAxesLps[2][2]) > 0.99, `${disc.name} thin axis ${structure.principalAxesLps[2].join(',')}`);
    assert.ok(Math.abs(structure.confidence - 0.9) < 1e-6, `${disc.name} confidence ${structure.confidence}`);
  }
  assert.ok(Math.abs(result.confidence - 0.9) < 1e-6);
  assert.equal(result.flags, []);
});

test('postprocess: label map values match structures', () => {
  const { series, classMap } = analyticClassMap(true);
  const result = postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
  const { rows, columns } = series.images[0].geometry;
  const voxelMm3 = 1.25 * 1.25 * 4;
  for (const structure of result.structures) {
    assert.is(result.labelNames[structure.labelValue], structure.name);
    const count = result.labelMap.reduce((sum, value) => sum + (value === structure.labelValue ? 1 : 0), 0);
    assert.ok(Math.abs(count * voxelMm3 - structure.volumeMm3) < 1e-6, structure.name);
  }
  assert.is(result.labelMap.length, rows * columns * series.images.length);
});

test('postprocess: no sacrum lowers the confidence', () => {
  const { series, classMap } = analyticClassMap(false);
  const result = postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
  assert.ok(result.flags.some((flag) => flag.code === 'SACRUM_NOT_FOUND'));
  assert.ok(Math.abs(result.confidence - 0.675) < 1e-6, `confidence ${result.confidence}`);
  assert.ok(result.structures.some((structure) => structure.name === 'L5/S1'));
});

test('postprocess: merged vertebrae are split', () => {
  const { series, classMap } = analyticClassMap(true);
  const l3l4 = discCentersZ().find((disc) => disc.name === 'L3/L4');
  assert.ok(l3l4);
  // The model missed the L3/L4 disc: relabel it as vertebra so L3 and L4 form one component.
  const { rows, columns } = series.images[0].geometry;
  series.images.forEach((image, k) => {
    for (let j = 0; j < rows; j++) {
      const z = image.geometry.imagePositionLpsMm[2] - j * image.geometry.spacingBetweenRowsMm;
      if (Math.abs(z - l3l4.zMm) > 4) continue;
      for (let i = 0; i < columns; i++) {
        const index = k * rows * columns + j * columns + i;
        if (classMap.classIndex[index] === CLASS.disc) classMap.classIndex[index] = CLASS.vertebra;
      }
    }
  });
  const result = postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
  const names = result.structures.map((structure) => structure.name);
  assert.equal(names, ['T12', 'T12/L1', 'L1', 'L1/L2', 'L2', 'L2/L3', 'L3', 'L4', 'L4/L5', 'L5', 'L5/S1', 'S1', 'canal']);
  const l2l3 = result.structures.find((structure) => structure.name === 'L2/L3');
  assert.ok(l2l3);
  assert.ok(Math.abs(l2l3.centroidLpsMm[2] - (discCentersZ().find((disc) => disc.name === 'L2/L3')?.zMm ?? NaN)) < 1);
  assert.ok(result.flags.some((flag) => flag.code === 'LEVEL_MISSING' && flag.level === 'L3/L4'));
});

/** Relabels voxels of the analytic class map for which `select` returns true. */
function relabel(series: ReturnType<typeof renderLocalizer>, classMap: ClassMap, select: (point: Vec3, label: number) => boolean, label: number): void {
  const { rows, columns } = series.images[0].geometry;
  series.images.forEach((image, k) => {
    const [x0, y0, z0] = image.geometry.imagePositionLpsMm;
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < columns; i++) {
        const index = k * rows * columns + j * columns + i;
        const point: Vec3 = [x0, y0 + i * image.geometry.spacingBetweenColumnsMm, z0 - j * image.geometry.spacingBetweenRowsMm];
        if (select(point, classMap.classIndex[index])) classMap.classIndex[index] = label;
      }
    }
  });
}

test('postprocess: bodies joined around discs are cut', () => {
  const { series, classMap } = analyticClassMap(true);
  const discZ = (name: string): number => discCentersZ().find((disc) => disc.name === name)?.zMm ?? NaN;
  // An anterior rim of vertebra around the L2/L3 and L3/L4 discs joins L2, L3 and L4 into one component.
  const joined = [discZ('L2/L3'), discZ('L3/L4')];
  relabel(series, classMap, ([, y, z], label) => label === CLASS.disc && y < -12 && joined.some((zMm) => Math.abs(z - zMm) <= 4), CLASS.vertebra);
  const result = postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
  const names = result.structures.map((structure) => structure.name);
  assert.equal(names, ['T12', 'T12/L1', 'L1', 'L1/L2', 'L2', 'L2/L3', 'L3', 'L3/L4', 'L4', 'L4/L5', 'L5', 'L5/S1', 'S1', 'canal']);
  assert.not.ok(result.flags.some((flag) => flag.code === 'LEVEL_MISSING'), JSON.stringify(result.flags));
});

test('postprocess: false sacrum above a whole body', () => {
  const { series, classMap } = analyticClassMap(false);
  // Sacrum-class tissue in front of the spine whose top reaches above the centre of L5 (z = 16 mm).
  relabel(series, classMap, ([x, y, z]) => Math.abs(x) <= 22 && y >= -50 && y <= -30 && z >= -60 && z <= 25, CLASS.sacrum);
  const result = postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
  const names = result.structures.map((structure) => structure.name);
  assert.equal(names.slice(0, 12), ['T12', 'T12/L1', 'L1', 'L1/L2', 'L2', 'L2/L3', 'L3', 'L3/L4', 'L4', 'L4/L5', 'L5', 'L5/S1']);
  assert.ok(result.flags.some((flag) => flag.code === 'SACRUM_NOT_FOUND'));
});

test('postprocess: L5/S1 on a steep sacrum is kept', () => {
  const { series, classMap } = analyticClassMap(true);
  // Lordosis tilts the L5/S1 disc and the S1 endplate by 40 degrees, rising posteriorly (+y), so
  // the sacrum's posterior rim projects above the disc centre (z = 0) on the spine axis.
  const rise = Math.tan((40 * Math.PI) / 180);
  const aboveJunctionMm = ([, y, z]: Vec3): number => z - rise * (y + 1);
  const isBody = ([x, y, z]: Vec3): boolean => Math.abs(x) <= 22 && y >= -18 && y <= 16 && z > -28 && z < 28;
  relabel(series, classMap, (point) => isBody(point) && aboveJunctionMm(point) < -4, CLASS.sacrum);
  relabel(series, classMap, (point) => isBody(point) && Math.abs(aboveJunctionMm(point)) <= 4, CLASS.disc);
  relabel(series, classMap, (point) => isBody(point) && aboveJunctionMm(point) > 4, CLASS.vertebra);
  const result = postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
  const names = result.structures.map((structure) => structure.name);
  assert.equal(names, ['T12', 'T12/L1', 'L1', 'L1/L2', 'L2', 'L2/L3', 'L3', 'L3/L4', 'L4', 'L4/L5', 'L5', 'L5/S1', 'S1', 'canal']);
  assert.equal(result.flags, []);
  const disc = result.structures.find((structure) => structure.name === 'L5/S1');
  assert.ok(disc, 'L5/S1 missing');
  assert.ok(Math.abs(disc.centroidLpsMm[2]) < 3, `L5/S1 centroid z ${disc.centroidLpsMm[2]} mm, expected near 0`);
});

test('postprocess: sacrum-class tissue off the spine is ignored', () => {
  const { series, classMap } = analyticClassMap(true);
  const { rows, columns } = series.images[0].geometry;
  // A large false sacrum in the anterior soft tissue reaching above the top of the spine.
  series.images.forEach((image, k) => {
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < columns; i++) {
        const y = image.geometry.imagePositionLpsMm[1] + i * image.geometry.spacingBetweenColumnsMm;
        if (y > -70 || y < -95) continue;
        classMap.classIndex[k * rows * columns + j * columns + i] = CLASS.sacrum;
      }
    }
  });
  const result = postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
  const names = result.structures.map((structure) => structure.name);
  assert.equal(names.slice(0, 12), ['T12', 'T12/L1', 'L1', 'L1/L2', 'L2', 'L2/L3', 'L3', 'L3/L4', 'L4', 'L4/L5', 'L5', 'L5/S1']);
  const s1 = result.structures.find((structure) => structure.name === 'S1');
  assert.ok(s1, 'S1 missing');
  assert.ok(s1.centroidLpsMm[1] > -40, `S1 centroid y ${s1.centroidLpsMm[1]} lies in the false sacrum`);
});

test('postprocess: tiny fragments are dropped', () => {
  const { series, classMap } = analyticClassMap(true);
  const { columns } = series.images[0].geometry;
  // A 2x2 disc-class speck in the soft tissue of the first slice.
  for (const offset of [0, 1, columns, columns + 1]) classMap.classIndex[10 * columns + 10 + offset] = CLASS.disc;
  const result = postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
  assert.is(result.structures.filter((structure) => structure.kind === 'disc').length, 6);
});

test('postprocess: empty class map is not a spine', () => {
  const { series, classMap } = analyticClassMap(true);
  classMap.classIndex.fill(0);
  try {
    postprocess(series, classMap, EXPECTED_CLASSES, canonicalFrame(series).normalLps);
    assert.unreachable('expected ERR_NOT_A_SPINE');
  } catch (error) {
    assert.instance(error, SegmentationInputError);
    assert.is((error as SegmentationInputError).code, 'ERR_NOT_A_SPINE');
  }
});

test('components: face connectivity across slices', () => {
  const dims = { columns: 4, rows: 3, slices: 2 };
  const map = new Uint8Array(24);
  map[0] = 1; // slice 0, (0,0)
  map[12] = 1; // slice 1, (0,0): joined to the first through the slice face
  map[5] = 1; // slice 0, (1,1): touches (0,0) only by a corner
  const components = connectedComponents(map, dims, 1);
  assert.equal(components.map((component) => component.voxels.length), [2, 1]);
  assert.equal(connectedComponents(map, dims, 1, 2).length, 1);
});

test('components: larger than the initial queue', () => {
  // A block of 290 x 290 x 2 voxels outgrows the 65536-entry queue the search starts with.
  const dims = { columns: 300, rows: 300, slices: 2 };
  const planeSize = dims.columns * dims.rows;
  const map = new Uint8Array(planeSize * dims.slices);
  for (let k = 0; k < dims.slices; k++) {
    for (let j = 5; j < 295; j++) map.fill(1, k * planeSize + j * dims.columns + 5, k * planeSize + j * dims.columns + 295);
  }
  const components = connectedComponents(map, dims, 1);
  assert.is(components.length, 1);
  const voxels = components[0].voxels;
  assert.is(voxels.length, 290 * 290 * 2);
  assert.is(new Set(voxels).size, voxels.length);
  assert.ok(voxels.every((voxel) => map[voxel] === 1));
  // Breadth-first from the first voxel in scan order. Its -i, -j and -k neighbours are background.
  const seed = 5 * dims.columns + 5;
  assert.equal([...voxels.subarray(0, 4)], [seed, seed + 1, seed + dims.columns, seed + planeSize]);
});

test('selectRank matches the sorted array', () => {
  // Few distinct values make many ties; -0 and 0 compare equal, so Object.is is not required.
  const value = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -1e3, max: 1e3, noNaN: true }));
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 2000, size: 'max' }), fc.nat(), (values, seed) => {
      const sorted = Float64Array.from(values).sort();
      const rank = seed % values.length;
      return selectRank(Float64Array.from(values), rank) === sorted[rank];
    }),
  );
  const ascending = Float64Array.from({ length: 1000 }, (_, index) => index);
  assert.is(selectRank(ascending, 950), 950);
  assert.throws(() => selectRank(new Float64Array(3), 3), /rank 3 is outside 0\.\.2/);
});

test('eigen decomposition reconstructs the matrix', () => {
  const entry = fc.double({ min: -50, max: 50, noNaN: true });
  fc.assert(
    fc.property(entry, entry, entry, entry, entry, entry, (a, b, c, d, e, f) => {
      const matrix = [
        [a, b, c],
        [b, d, e],
        [c, e, f],
      ];
      const { values, vectors } = symmetricEigen3(matrix);
      assert.ok(values[0] >= values[1] - 1e-9, 'first eigenvalue is not the largest');
      assert.ok(values[1] >= values[2] - 1e-9, 'second eigenvalue is below the third');
      const scaleOf = Math.max(1, ...matrix.flat().map(Math.abs));
      for (let index = 0; index < 3; index++) {
        const v: Vec3 = vectors[index];
        assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-9);
        for (let row = 0; row < 3; row++) {
          const product = matrix[row][0] * v[0] + matrix[row][1] * v[1] + matrix[row][2] * v[2];
          assert.ok(Math.abs(product - values[index] * v[row]) < 1e-7 * scaleOf, `A v != lambda v for axis ${index}`);
        }
      }
    }),
  );
});

test.run();
