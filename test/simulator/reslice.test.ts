import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { directionLps, pointLpsMm, type VolumeLps } from '../../server/geometry/types.ts';
import type { Slab } from '../../server/planning/types.ts';
import {
  planeStackAround,
  planeStackCenterLpsMm,
  planeStackFromSlab,
  resliceImage,
  resliceLabels,
  resliceToMrImages,
  ResliceError,
  sagittalLocalizerGeometry,
  slicePlaneGeometry,
  threePlaneLocalizerGeometry,
  type PlaneStackGeometry,
} from '../../simulator/reslice.ts';

/**
 * A volume laid out like the public NIfTI cases: i towards the feet, j towards posterior,
 * k towards the patient's right, with anisotropic spacing so that mix-ups show.
 */
function makeVolume(value: (x: number, y: number, z: number) => number): VolumeLps {
  const dims: [number, number, number] = [40, 30, 20];
  const spacingMm: [number, number, number] = [1, 1.5, 2];
  const originLpsMm = pointLpsMm(10, -20, 50);
  const directions = [directionLps(0, 0, -1), directionLps(0, 1, 0), directionLps(-1, 0, 0)] as [ReturnType<typeof directionLps>, ReturnType<typeof directionLps>, ReturnType<typeof directionLps>];
  const data = new Float32Array(dims[0] * dims[1] * dims[2]);
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++) {
        const x = originLpsMm[0] + k * spacingMm[2] * -1;
        const y = originLpsMm[1] + j * spacingMm[1];
        const z = originLpsMm[2] - i * spacingMm[0];
        data[k * dims[0] * dims[1] + j * dims[0] + i] = value(x, y, z);
      }
    }
  }
  return { dims, spacingMm, originLpsMm, directionLps: directions, data };
}

const linear = (x: number, y: number, z: number) => 3 * x - 2 * y + 0.5 * z + 7;

/** Position in LPS of pixel (row, column) of slice `slice`. */
function pixelLps(stack: PlaneStackGeometry, slice: number, row: number, column: number): [number, number, number] {
  const plane = slicePlaneGeometry(stack, slice);
  return [0, 1, 2].map(
    (axis) => plane.imagePositionLpsMm[axis] + column * stack.spacingBetweenColumnsMm * stack.rowCosineLps[axis] + row * stack.spacingBetweenRowsMm * stack.columnCosineLps[axis],
  ) as [number, number, number];
}

function rotationFromAngles(alpha: number, beta: number, gamma: number): { row: number[]; column: number[] } {
  // Rotate the axial axes (x, y) by z-y-x Euler angles in radians.
  const [ca, sa, cb, sb, cg, sg] = [Math.cos(alpha), Math.sin(alpha), Math.cos(beta), Math.sin(beta), Math.cos(gamma), Math.sin(gamma)];
  const matrix = [
    [ca * cb, ca * sb * sg - sa * cg, ca * sb * cg + sa * sg],
    [sa * cb, sa * sb * sg + ca * cg, sa * sb * cg - ca * sg],
    [-sb, cb * sg, cb * cg],
  ];
  return { row: [matrix[0][0], matrix[1][0], matrix[2][0]], column: [matrix[0][1], matrix[1][1], matrix[2][1]] };
}

test('trilinear reproduces a linear field on oblique stacks', () => {
  const volume = makeVolume(linear);
  // Volume centre in LPS: x from 10 down to -28, y from -20 to 23.5, z from 50 down to 11.
  const center = [-9, 1.75, 30.5];
  fc.assert(
    fc.property(
      fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
      fc.double({ min: -0.6, max: 0.6, noNaN: true }),
      fc.double({ min: -0.6, max: 0.6, noNaN: true }),
      fc.integer({ min: 1, max: 4 }),
      (alpha, beta, gamma, thicknessSamples) => {
        const { row, column } = rotationFromAngles(alpha, beta, gamma);
        const stack = planeStackAround({ centerLpsMm: center, rowCosineLps: row, columnCosineLps: column, sliceCount: 3, sliceThicknessMm: 2, gapMm: 1, rows: 6, columns: 7, pixelSpacingMm: 1.3 });
        const planes = resliceImage(volume, stack, { thicknessSamples });
        for (let slice = 0; slice < 3; slice++) {
          for (let r = 0; r < stack.rows; r++) {
            for (let c = 0; c < stack.columns; c++) {
              const expected = linear(...pixelLps(stack, slice, r, c));
              const actual = planes[slice][r * stack.columns + c];
              if (Math.abs(actual - expected) > 1e-3) return false;
            }
          }
        }
        return true;
      },
    ),
    { numRuns: 60 },
  );
});

test('grid-aligned stack returns voxel values', () => {
  const volume = makeVolume((x, y, z) => Math.round(x * 7 + y * 13 + z * 17) % 101);
  // Sagittal plane through voxel slice k = 5 (x = 0), rows along i (feet), columns along j (posterior).
  const stack: PlaneStackGeometry = {
    firstImagePositionLpsMm: pointLpsMm(0, -20, 50),
    rowCosineLps: directionLps(0, 1, 0),
    columnCosineLps: directionLps(0, 0, -1),
    sliceDirectionLps: directionLps(-1, 0, 0),
    sliceCount: 2,
    sliceSpacingMm: 2,
    sliceThicknessMm: 2,
    rows: 40,
    columns: 30,
    spacingBetweenRowsMm: 1,
    spacingBetweenColumnsMm: 1.5,
  };
  const planes = resliceImage(volume, stack, { thicknessSamples: 1 });
  for (const [slice, k] of [[0, 5], [1, 6]]) {
    for (const [row, column] of [[0, 0], [3, 4], [39, 29], [20, 11]]) {
      const expected = volume.data[k * 40 * 30 + column * 40 + row];
      assert.is(planes[slice][row * 30 + column], expected, `slice ${slice} row ${row} column ${column}`);
    }
  }
});

test('pixels outside the volume get outsideValue', () => {
  const volume = makeVolume(() => 5);
  const stack = planeStackAround({ centerLpsMm: [500, 0, 0], rowCosineLps: [1, 0, 0], columnCosineLps: [0, 1, 0], sliceCount: 1, sliceThicknessMm: 1, gapMm: 0, rows: 2, columns: 2, pixelSpacingMm: 1 });
  assert.equal(Array.from(resliceImage(volume, stack, { outsideValue: -1 })[0]), [-1, -1, -1, -1]);
  assert.equal(Array.from(resliceImage(volume, stack)[0]), [0, 0, 0, 0]);
});

test('labels use nearest neighbour', () => {
  const image = makeVolume(() => 0);
  const data = new Uint8Array(image.data.length);
  // Label 3 fills voxel rows i >= 20 (the lower half, z <= 30).
  for (let index = 0; index < data.length; index++) data[index] = index % 40 >= 20 ? 3 : 0;
  const labels: VolumeLps<Uint8Array> = { ...image, data };
  const stack = planeStackAround({ centerLpsMm: [-9, 0, 30.4], rowCosineLps: [0, 1, 0], columnCosineLps: [0, 0, -1], sliceCount: 1, sliceThicknessMm: 4, gapMm: 0, rows: 5, columns: 3, pixelSpacingMm: 1 });
  const [plane] = resliceLabels(labels, stack);
  assert.instance(plane, Uint8Array);
  // Rows are 1 mm apart from z = 32.4 down to 28.4; voxel centres sit at whole millimetres, so z 30.4 rounds to i = 20.
  const rowsLabelled = [0, 1, 2, 3, 4].map((row) => plane[row * 3 + 1]);
  assert.equal(rowsLabelled, [0, 0, 3, 3, 3]);
});

test('slab stack follows either slice order', () => {
  const base = {
    slabId: 'slab-1',
    kind: 'axial-disc' as const,
    level: 'L4/L5',
    normalLps: directionLps(0, 0, 1),
    rowCosineLps: directionLps(1, 0, 0),
    columnCosineLps: directionLps(0, 1, 0),
    sliceCount: 5,
    sliceThicknessMm: 3,
    gapMm: 0.3,
    sliceSpacingMm: 3.3,
    fovMm: { rows: 160, columns: 180 },
    matrix: { rows: 320, columns: 360 },
    phaseEncoding: 'AP' as const,
    angleToAxialDeg: 0,
    rationale: 'test',
  };
  const center = pointLpsMm(0, 0, 100);
  const inPlane = [-(360 - 1) / 2 * 0.5, -(320 - 1) / 2 * 0.5];
  const bottomFirst: Slab = { ...base, centerLpsMm: center, firstSlicePositionLpsMm: pointLpsMm(inPlane[0], inPlane[1], 100 - 2 * 3.3) };
  const topFirst: Slab = { ...base, centerLpsMm: center, firstSlicePositionLpsMm: pointLpsMm(inPlane[0], inPlane[1], 100 + 2 * 3.3) };
  for (const slab of [bottomFirst, topFirst]) {
    const stack = planeStackFromSlab(slab);
    const middle = planeStackCenterLpsMm(stack);
    [0, 1, 2].forEach((axis) => assert.ok(Math.abs(middle[axis] - center[axis]) < 1e-9, `centre axis ${axis}: ${middle[axis]}`));
    assert.is(stack.spacingBetweenRowsMm, 0.5);
    assert.is(stack.spacingBetweenColumnsMm, 0.5);
    assert.is(stack.rows, 320);
    assert.is(stack.columns, 360);
  }
  assert.equal(planeStackFromSlab(topFirst).sliceDirectionLps, [0, 0, -1]);
});

test('sagittal localizer covers the volume', () => {
  const volume = makeVolume(() => 1);
  const stack = sagittalLocalizerGeometry(volume);
  assert.equal(stack.rowCosineLps, [0, 1, 0]);
  assert.equal(stack.columnCosineLps, [0, 0, -1]);
  assert.equal(stack.sliceDirectionLps, [-1, 0, 0]);
  assert.is(stack.sliceCount, 15);
  assert.is(stack.sliceThicknessMm, 4);
  assert.ok(Math.abs(stack.sliceSpacingMm - 4.4) < 1e-9, `spacing ${stack.sliceSpacingMm}`);
  assert.is(stack.rows, 100);
  const middle = planeStackCenterLpsMm(stack);
  [-9, 1.75, 30.5].forEach((value, axis) => assert.ok(Math.abs(middle[axis] - value) < 1e-9, `centre axis ${axis}: ${middle[axis]}`));
});

test('three-plane localizer normals', () => {
  const { sagittal, coronal, axial } = threePlaneLocalizerGeometry(makeVolume(() => 1));
  assert.equal(sagittal.sliceDirectionLps.map(Math.abs), [1, 0, 0]);
  assert.equal(coronal.sliceDirectionLps.map(Math.abs), [0, 1, 0]);
  assert.equal(axial.sliceDirectionLps.map(Math.abs), [0, 0, 1]);
  assert.is(axial.sliceCount, 3);
});

test('mr images carry stack geometry', () => {
  const volume = makeVolume(linear);
  const stack = sagittalLocalizerGeometry(volume, { sliceCount: 3, fovMm: 40 });
  const images = resliceToMrImages(volume, stack, {
    studyInstanceUid: '1.2.3',
    seriesInstanceUid: '1.2.3.4',
    frameOfReferenceUid: '1.2.3.5',
    seriesNumber: 2,
    seriesDescription: 'SAG T2',
    patientPosition: 'HFS',
    sopInstanceUid: (index) => `1.2.3.4.${index + 1}`,
    phaseEncodingDirection: 'ROW',
    acquisitionTime: null,
    patient: { name: 'PHANTOM^TEST', id: 'SIM-0', birthDate: '' },
  });
  assert.is(images.length, 3);
  assert.equal(images.map((image) => image.instanceNumber), [1, 2, 3]);
  assert.is(images[2].sopInstanceUid, '1.2.3.4.3');
  assert.equal(images[1].geometry.imagePositionLpsMm, slicePlaneGeometry(stack, 1).imagePositionLpsMm);
  assert.is(images[0].pixels.length, stack.rows * stack.columns);
});

test('invalid stacks are rejected', () => {
  const volume = makeVolume(() => 1);
  const good = sagittalLocalizerGeometry(volume, { sliceCount: 1 });
  const cases: [string, PlaneStackGeometry][] = [
    ['zero rows', { ...good, rows: 0 }],
    ['fractional columns', { ...good, columns: 2.5 }],
    ['non-unit cosine', { ...good, rowCosineLps: directionLps(0, 2, 0) }],
    ['parallel cosines', { ...good, columnCosineLps: directionLps(0, 1, 0) }],
  ];
  for (const [name, stack] of cases) {
    assert.throws(() => resliceImage(volume, stack), (error: unknown) => error instanceof ResliceError && error.code === 'ERR_INVALID_PLANE_STACK', name);
  }
});

test.run();
