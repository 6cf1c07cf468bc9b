import { existsSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { listDatasetCases, readVolume, VolumeReadError } from '../../simulator/volumes/index.ts';
import { metaImageBytes, niftiBytes, type FixtureType } from './volumeFixtures.ts';

/** Public data beside the repository (read-only, absent on some machines). */
const SHARED_DATA = new URL('../../../shared/data', import.meta.url).pathname;

const folder = mkdtempSync(join(tmpdir(), 'volumes-test-'));
let fileCounter = 0;

function writeTemp(name: string, bytes: Uint8Array): string {
  const path = join(folder, `${fileCounter++}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

function ramp(length: number, scale = 1): number[] {
  return Array.from({ length }, (_, index) => index * scale);
}

function assertClose(actual: readonly number[], expected: readonly number[], message: string, tolerance = 1e-5): void {
  assert.is(actual.length, expected.length, `${message}: length`);
  actual.forEach((value, index) => assert.ok(Math.abs(value - expected[index]) <= tolerance, `${message}[${index}]: ${value} vs ${expected[index]}`));
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, VolumeReadError);
    assert.is((error as VolumeReadError).code, code);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('nifti sform converts RAS to LPS', async () => {
  // i runs RAS +x (towards the patient's right), j runs RAS -y (posterior) and k runs +z (head) in 2 mm steps.
  const path = writeTemp('sform.nii', niftiBytes({ dims: [2, 3, 4], values: ramp(24), type: 'int16', srow: [[1, 0, 0, 10], [0, -1, 0, 20], [0, 0, 2, 30]] }));
  const { image, labels } = await readVolume(path);
  assert.equal(image.dims, [2, 3, 4]);
  assertClose(image.spacingMm, [1, 1, 2], 'spacing');
  assertClose(image.originLpsMm, [-10, -20, 30], 'origin');
  assertClose(image.directionLps[0], [-1, 0, 0], 'i direction');
  assertClose(image.directionLps[1], [0, 1, 0], 'j direction');
  assertClose(image.directionLps[2], [0, 0, 1], 'k direction');
  assertClose(Array.from(image.data), ramp(24), 'voxels');
  assert.is(labels, null);
});

test('nifti qform rotation and qfac', async () => {
  // Quaternion (a, b, c, d) = (cos 45, 0, 0, sin 45): 90 degrees about z, so i -> +y, j -> -x (RAS).
  const half = Math.SQRT1_2;
  const path = writeTemp('qform.nii', niftiBytes({ dims: [2, 2, 2], values: ramp(8), type: 'uint8', pixdim: [2, 3, 4], qform: { b: 0, c: 0, d: half, offset: [1, 2, 3], qfac: -1 } }));
  const { image } = await readVolume(path);
  assertClose(image.spacingMm, [2, 3, 4], 'spacing');
  assertClose(image.originLpsMm, [-1, -2, 3], 'origin');
  assertClose(image.directionLps[0], [0, -1, 0], 'i direction (RAS +y)');
  assertClose(image.directionLps[1], [1, 0, 0], 'j direction (RAS -x)');
  assertClose(image.directionLps[2], [0, 0, -1], 'k direction flipped by qfac');
});

test('nifti sform preferred over qform', async () => {
  const path = writeTemp('both.nii', niftiBytes({
    dims: [1, 1, 1],
    values: [5],
    type: 'uint8',
    srow: [[1, 0, 0, 7], [0, 1, 0, 0], [0, 0, 1, 0]],
    qform: { b: 0, c: 0, d: 0, offset: [99, 99, 99], qfac: 1 },
  }));
  const { image } = await readVolume(path);
  assertClose(image.originLpsMm, [-7, 0, 0], 'origin from sform');
});

const datatypeCases: { type: FixtureType; values: number[] }[] = [
  { type: 'uint8', values: [0, 1, 200, 255] },
  { type: 'int16', values: [-32768, -1, 0, 32767] },
  { type: 'uint16', values: [0, 1, 40000, 65535] },
  { type: 'int32', values: [-100000, 0, 7, 100000] },
  { type: 'float32', values: [-1.5, 0, 0.25, 1000.5] },
  { type: 'float64', values: [-2.5, 0, 1e-3, 12345.678] },
];

for (const { type, values } of datatypeCases) {
  test(`nifti datatype ${type}`, async () => {
    for (const littleEndian of [true, false]) {
      const path = writeTemp(`${type}.nii.gz`, niftiBytes({ dims: [2, 2, 1], values, type, srow: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], littleEndian, gzip: true }));
      const { image } = await readVolume(path);
      assertClose(Array.from(image.data), values, `${type} ${littleEndian ? 'little' : 'big'} endian`, 1e-3);
    }
  });
}

test('nifti scl_slope and intercept', async () => {
  const path = writeTemp('scaled.nii', niftiBytes({ dims: [2, 1, 1], values: [10, 20], type: 'int16', sclSlope: 0.5, sclInter: -3, srow: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] }));
  const { image } = await readVolume(path);
  assertClose(Array.from(image.data), [2, 7], 'scaled values');
});

test('nifti metre units become millimetres', async () => {
  const path = writeTemp('metres.nii', niftiBytes({ dims: [1, 1, 1], values: [1], type: 'uint8', spatialUnitCode: 1, srow: [[0.001, 0, 0, 0.1], [0, 0.001, 0, 0], [0, 0, 0.002, 0]] }));
  const { image } = await readVolume(path);
  assertClose(image.spacingMm, [1, 1, 2], 'spacing in mm');
  assertClose(image.originLpsMm, [-100, 0, 0], 'origin in mm');
});

test('nifti errors carry codes', async () => {
  const identity: [number[], number[], number[]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]];
  const whole = niftiBytes({ dims: [4, 4, 4], values: ramp(64), type: 'int16', srow: identity });
  await expectCode(readVolume(writeTemp('short.nii', whole.subarray(0, whole.length - 10))), 'ERR_TRUNCATED_VOLUME');
  await expectCode(readVolume(writeTemp('header-only.nii', whole.subarray(0, 100))), 'ERR_TRUNCATED_VOLUME');
  const zipped = niftiBytes({ dims: [4, 4, 4], values: ramp(64), type: 'int16', srow: identity, gzip: true });
  await expectCode(readVolume(writeTemp('short.nii.gz', zipped.subarray(0, zipped.length - 20))), 'ERR_DECOMPRESSION_FAILED');
  await expectCode(readVolume(writeTemp('no-orientation.nii', niftiBytes({ dims: [1, 1, 1], values: [1], type: 'uint8' }))), 'ERR_MISSING_ORIENTATION');
  await expectCode(readVolume(writeTemp('volume.png', whole)), 'ERR_UNKNOWN_VOLUME_FORMAT');
  await expectCode(readVolume(writeTemp('garbage.nii', new Uint8Array(400))), 'ERR_UNKNOWN_VOLUME_FORMAT');
  await expectCode(readVolume(join(folder, 'missing.nii')), 'ERR_VOLUME_NOT_FOUND');
  await expectCode(readVolume(folder + '/'), 'ERR_UNKNOWN_VOLUME_FORMAT');
  const zeroSpacing = niftiBytes({ dims: [1, 1, 1], values: [1], type: 'uint8', srow: [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] });
  await expectCode(readVolume(writeTemp('zero-spacing.nii', zeroSpacing)), 'ERR_INVALID_SPACING');
});

/** Splits single-file NIfTI-1 bytes (352-byte header block) into a `.hdr` header and `.img` voxels. */
function niftiPair(single: Uint8Array): { header: Uint8Array; voxels: Uint8Array } {
  const header = single.slice(0, 348);
  const view = new DataView(header.buffer);
  view.setFloat32(108, 0, true);
  header.set([0x6e, 0x69, 0x31, 0x00], 344);
  return { header, voxels: single.slice(352) };
}

test('nifti hdr/img pair reads like .nii', async () => {
  const srow: [number[], number[], number[]] = [[1, 0, 0, 10], [0, -1, 0, 20], [0, 0, 2, 30]];
  const single = niftiBytes({ dims: [2, 3, 4], values: ramp(24), type: 'int16', srow });
  const expected = (await readVolume(writeTemp('single.nii', single))).image;
  const { header, voxels } = niftiPair(single);

  const stem = join(folder, 'pair');
  writeFileSync(`${stem}.hdr`, header);
  writeFileSync(`${stem}.img`, voxels);
  const plain = (await readVolume(`${stem}.hdr`)).image;
  assert.equal(plain.dims, expected.dims);
  assertClose(plain.originLpsMm, expected.originLpsMm, 'pair origin');
  assertClose(plain.spacingMm, expected.spacingMm, 'pair spacing');
  assertClose(Array.from(plain.data), Array.from(expected.data), 'pair voxels');

  const zippedStem = join(folder, 'zipped-pair');
  writeFileSync(`${zippedStem}.hdr.gz`, gzipSync(header));
  writeFileSync(`${zippedStem}.img.gz`, gzipSync(voxels));
  const zipped = (await readVolume(`${zippedStem}.hdr.gz`)).image;
  assertClose(Array.from(zipped.data), Array.from(expected.data), 'gzipped pair voxels');

  const lonelyStem = join(folder, 'lonely');
  writeFileSync(`${lonelyStem}.hdr`, header);
  await expectCode(readVolume(`${lonelyStem}.hdr`), 'ERR_VOLUME_NOT_FOUND');
});

test('unknown format names what to pass', async () => {
  const path = writeTemp('README.md', new TextEncoder().encode('# not a volume\n'));
  try {
    await readVolume(path);
    assert.unreachable('a Markdown file was read as a volume');
  } catch (error) {
    assert.instance(error, VolumeReadError);
    const message = (error as Error).message;
    assert.is(
      message,
      `${path}: unknown volume format. Supported: .nii, .nii.gz, .hdr with its .img (either may be gzipped), .mha and .mhd. For a dataset folder, pass one case's image file, such as case-01_image.nii.gz.`,
    );
    assert.not.match(message, 'listDatasetCases');
  }
});

test('nifti directory input is rejected', async () => {
  const directory = join(folder, 'looks-like.nii');
  mkdirSync(directory);
  await expectCode(readVolume(directory), 'ERR_VOLUME_IS_DIRECTORY');
});

test('metaimage mha with transform matrix', async () => {
  // Voxel axis i points to -z (feet), j to +y (posterior), k to +x (left).
  const { header } = metaImageBytes({ dims: [3, 2, 2], values: ramp(12), type: 'int16', spacing: [0.5, 0.75, 3], offset: [1, 2, 3], transformMatrix: [0, 0, -1, 0, 1, 0, 1, 0, 0] });
  const { image } = await readVolume(writeTemp('image.mha', header));
  assert.equal(image.dims, [3, 2, 2]);
  assertClose(image.spacingMm, [0.5, 0.75, 3], 'spacing');
  assertClose(image.originLpsMm, [1, 2, 3], 'origin (LPS, no flip)');
  assertClose(image.directionLps[0], [0, 0, -1], 'i direction');
  assertClose(image.directionLps[1], [0, 1, 0], 'j direction');
  assertClose(image.directionLps[2], [1, 0, 0], 'k direction');
  assertClose(Array.from(image.data), ramp(12), 'voxels');
});

test('metaimage mhd with compressed raw file', async () => {
  const sub = mkdtempSync(join(folder, 'mhd-'));
  const { header, data } = metaImageBytes({ dims: [2, 2, 2], values: ramp(8, 1.5), type: 'float32', spacing: [1, 1, 1], offset: [0, 0, 0], transformMatrix: [1, 0, 0, 0, 1, 0, 0, 0, 1], compressed: true, dataFile: 'image.zraw' });
  writeFileSync(join(sub, 'image.mhd'), header);
  writeFileSync(join(sub, 'image.zraw'), data);
  const { image } = await readVolume(join(sub, 'image.mhd'));
  assertClose(Array.from(image.data), ramp(8, 1.5), 'voxels');
});

test('metaimage errors carry codes', async () => {
  const sub = mkdtempSync(join(folder, 'mhd-bad-'));
  const { header } = metaImageBytes({ dims: [2, 2, 2], values: ramp(8), type: 'uint8', spacing: [1, 1, 1], offset: [0, 0, 0], transformMatrix: [1, 0, 0, 0, 1, 0, 0, 0, 1], dataFile: 'absent.raw' });
  writeFileSync(join(sub, 'image.mhd'), header);
  await expectCode(readVolume(join(sub, 'image.mhd')), 'ERR_VOLUME_NOT_FOUND');
  const { header: local } = metaImageBytes({ dims: [4, 4, 4], values: ramp(64), type: 'int16', spacing: [1, 1, 1], offset: [0, 0, 0], transformMatrix: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
  await expectCode(readVolume(writeTemp('short.mha', local.subarray(0, local.length - 3))), 'ERR_TRUNCATED_VOLUME');
  const noSpacing = new TextEncoder().encode('NDims = 3\nDimSize = 1 1 1\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n\u0001');
  await expectCode(readVolume(writeTemp('no-spacing.mha', noSpacing)), 'ERR_INVALID_SPACING');
  const rgb = new TextEncoder().encode('NDims = 3\nDimSize = 1 1 1\nElementSpacing = 1 1 1\nElementNumberOfChannels = 3\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n\u0001\u0001\u0001');
  await expectCode(readVolume(writeTemp('rgb.mha', rgb)), 'ERR_UNSUPPORTED_DATATYPE');
});

function writeDataset(name: string, labels: Record<string, string>, cases: { id: string; withLabels: boolean; labelValues?: number[] }[]): string {
  const root = join(folder, name);
  mkdirSync(root);
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({ name, format: 'nifti-volume', files: { image: 'case-*_image.nii.gz', labels: 'case-*_labels.nii.gz' }, labels }));
  const identity: [number[], number[], number[]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]];
  for (const entry of cases) {
    writeFileSync(join(root, `case-${entry.id}_image.nii.gz`), niftiBytes({ dims: [2, 2, 2], values: ramp(8), type: 'int16', srow: identity, gzip: true }));
    if (entry.withLabels) {
      writeFileSync(join(root, `case-${entry.id}_labels.nii.gz`), niftiBytes({ dims: [2, 2, 2], values: entry.labelValues ?? [0, 0, 1, 1, 2, 2, 0, 0], type: 'uint8', srow: identity, gzip: true }));
    }
  }
  return root;
}

test('dataset case picks up labels and names', async () => {
  const root = writeDataset('discs', { '1': 'L5/S1', '2': 'L4/L5' }, [{ id: '02', withLabels: true }, { id: '10', withLabels: true }, { id: '1', withLabels: true }]);
  const cases = listDatasetCases(root);
  assert.equal(cases.map((entry) => entry.caseId), ['1', '02', '10']);
  assert.is(cases[1].labelsPath, join(root, 'case-02_labels.nii.gz'));
  const loaded = await readVolume(cases[1].imagePath);
  assert.ok(loaded.labels !== null, 'labels loaded');
  assert.equal(Array.from(loaded.labels?.data ?? []), [0, 0, 1, 1, 2, 2, 0, 0]);
  assert.equal(loaded.labelNames, { 1: 'L5/S1', 2: 'L4/L5' });
  const withoutLabels = await readVolume(cases[1].imagePath, { labelsPath: false });
  assert.is(withoutLabels.labels, null);
  assert.equal(withoutLabels.labelNames, { 1: 'L5/S1', 2: 'L4/L5' });
});

test('dataset case with missing labels', async () => {
  const root = writeDataset('missing-labels', { '1': 'L1' }, [{ id: '01', withLabels: false }]);
  assert.is(listDatasetCases(root)[0].labelsPath, null);
  await expectCode(readVolume(join(root, 'case-01_image.nii.gz')), 'ERR_LABELS_NOT_FOUND');
});

test('label maps must be integer and match the grid', async () => {
  const root = writeDataset('fractional', { '1': 'L1' }, [{ id: '01', withLabels: true, labelValues: [0, 0.5, 0, 0, 0, 0, 0, 0] }]);
  writeFileSync(join(root, 'case-01_labels.nii.gz'), niftiBytes({ dims: [2, 2, 2], values: [0, 0.5, 0, 0, 0, 0, 0, 0], type: 'float32', srow: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], gzip: true }));
  await expectCode(readVolume(join(root, 'case-01_image.nii.gz')), 'ERR_LABELS_NOT_INTEGER');
  writeFileSync(join(root, 'case-01_labels.nii.gz'), niftiBytes({ dims: [2, 2, 2], values: ramp(8), type: 'uint8', srow: [[1, 0, 0, 5], [0, 1, 0, 0], [0, 0, 1, 0]], gzip: true }));
  await expectCode(readVolume(join(root, 'case-01_image.nii.gz')), 'ERR_LABELS_GEOMETRY_MISMATCH');
  writeFileSync(join(root, 'case-01_labels.nii.gz'), niftiBytes({ dims: [2, 2, 1], values: ramp(4), type: 'uint8', srow: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], gzip: true }));
  await expectCode(readVolume(join(root, 'case-01_image.nii.gz')), 'ERR_LABELS_GEOMETRY_MISMATCH');
});

test('dataset descriptor errors', () => {
  const root = join(folder, 'bad-dataset');
  mkdirSync(root);
  assert.throws(() => listDatasetCases(root), (error: unknown) => error instanceof VolumeReadError && error.code === 'ERR_VOLUME_NOT_FOUND');
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({ files: { image: 'case_image.nii.gz' } }));
  assert.throws(() => listDatasetCases(root), (error: unknown) => error instanceof VolumeReadError && error.code === 'ERR_INVALID_DATASET');
  writeFileSync(join(root, 'dataset.json'), JSON.stringify({ format: 'png-boxes', files: { image: 'images/*.png' } }));
  assert.throws(() => listDatasetCases(root), (error: unknown) => error instanceof VolumeReadError && error.code === 'ERR_UNKNOWN_VOLUME_FORMAT');
});

const publicDiscs = SHARED_DATA + '/lumbar-t2-discs';

test('public disc case reads in LPS', async () => {
  if (!existsSync(publicDiscs)) {
    console.log(`skipped: ${publicDiscs} is absent`);
    return;
  }
  const [first] = listDatasetCases(publicDiscs);
  const { image, labels, labelNames } = await readVolume(first.imagePath);
  // The folder's README: axis 0 runs superior to inferior, axis 1 anterior to posterior, 1 mm voxels.
  assertClose(image.directionLps[0], [0, 0, -1], 'axis 0 towards the feet');
  assertClose(image.directionLps[1], [0, 1, 0], 'axis 1 towards posterior');
  assert.is(Math.abs(image.directionLps[2][0]), 1, 'axis 2 across the body');
  assertClose(image.spacingMm, [1, 1, 1], 'spacing');
  assert.ok(labels !== null, 'labels found');
  assert.equal(labels?.dims, image.dims);
  assert.is(labelNames[2], 'L4/L5');
  const present = new Set(labels?.data ?? []);
  for (const value of [1, 2, 3, 4, 5]) assert.ok(present.has(value), `label ${value} present`);
});

test.run();
