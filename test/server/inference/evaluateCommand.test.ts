import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { directionLps, pointLpsMm, type Vec3, type VolumeLps } from '../../../server/geometry/types.ts';
import { run } from '../../../server/inference/evaluateCommand.ts';
import { encodeNifti } from '../../../simulator/phantom/nifti.ts';
import { discCentersZ, DISC_HEIGHT_MM, spineIntensity } from './syntheticSpine.ts';
import { captureOutput } from '../commandLine/captureOutput.ts';

const BAND_MODEL = resolve(import.meta.dirname, '../../fixtures/inference/band-model.onnx');
const folder = mkdtempSync(join(tmpdir(), 'lumbar-evaluate-'));
const LEVELS: Record<string, string> = { '1': 'L5/S1', '2': 'L4/L5', '3': 'L3/L4', '4': 'L2/L3', '5': 'L1/L2' };

/** Writes the analytic spine as a one-case dataset: axis 0 head to feet, axis 1 anterior to posterior, axis 2 left to right, 2 mm voxels. */
function writeSyntheticDataset(): void {
  const dims: [number, number, number] = [120, 80, 24];
  const spacingMm: [number, number, number] = [2, 2, 2];
  const origin: Vec3 = [-23, -80, 190];
  const image = new Float32Array(dims[0] * dims[1] * dims[2]);
  const labels = new Uint8Array(image.length);
  const valueByName = new Map(Object.entries(LEVELS).map(([value, name]) => [name, Number(value)]));
  for (let k = 0; k < dims[2]; k++) {
    for (let j = 0; j < dims[1]; j++) {
      for (let i = 0; i < dims[0]; i++) {
        const point: Vec3 = [origin[0] + k * 2, origin[1] + j * 2, origin[2] - i * 2];
        const index = k * dims[0] * dims[1] + j * dims[0] + i;
        image[index] = spineIntensity(point);
        if (image[index] !== 600) continue;
        const disc = discCentersZ().find((entry) => Math.abs(point[2] - entry.zMm) <= DISC_HEIGHT_MM / 2);
        labels[index] = disc === undefined ? 0 : valueByName.get(disc.name) ?? 0;
      }
    }
  }
  const placement = {
    dims,
    spacingMm,
    originLpsMm: pointLpsMm(origin[0], origin[1], origin[2]),
    directionLps: [directionLps(0, 0, -1), directionLps(0, 1, 0), directionLps(1, 0, 0)] as VolumeLps['directionLps'],
  };
  writeFileSync(join(folder, 'case-01_image.nii.gz'), encodeNifti({ ...placement, data: image }, { compress: true }));
  writeFileSync(join(folder, 'case-01_labels.nii.gz'), encodeNifti({ ...placement, data: labels }, { compress: true }));
  writeFileSync(
    join(folder, 'dataset.json'),
    JSON.stringify({ name: 'synthetic-discs', format: 'nifti-volume', files: { image: 'case-*_image.nii.gz', labels: 'case-*_labels.nii.gz' }, labels: LEVELS }),
  );
}

test('evaluate: report on a synthetic dataset', async () => {
  writeSyntheticDataset();
  const reportPath = join(folder, 'report.json');
  const { code, stdout } = await captureOutput(() => run(['--data', folder, '--split', 'all', '--model', BAND_MODEL, '--report', reportPath]));
  assert.is(code, 0);
  assert.match(stdout, /^plan error \(planner\): angle median /m);
  assert.not.match(stdout, 'createPlanner');
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  assert.is(report.plan.planner, 'planner');
  assert.is(report.cases, 1);
  assert.ok(report.dice.disc.mean > 0.8, `disc Dice ${report.dice.disc.mean}`);
  assert.is(report.dice.vertebra.mean, null);
  assert.is(report.levelIdentification.fraction, 1);
  assert.is(report.levelIdentification.labelled, 5);
  assert.is(report.plan.discsCompared, 5);
  assert.ok(report.plan.angleErrorDeg.median < 5, `angle error ${report.plan.angleErrorDeg.median}`);
  assert.ok(report.plan.centerErrorMm.median < 3, `centre error ${report.plan.centerErrorMm.median}`);
  assert.is(typeof report.latencyMs.median, 'number');
  assert.is(report.discBoxes.cases, 0);
});

test('evaluate: missing --data is a usage error', async () => {
  const missing = await captureOutput(() => run([]));
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /^Missing --data: pass a dataset folder with a dataset\.json/);
  assert.is((await captureOutput(() => run(['--data', folder, '--split', 'held-out']))).code, 2);
  assert.is((await captureOutput(() => run(['--data', folder, '--slice-selection', 'all']))).code, 2);
});

const usageCases: { name: string; args: string[]; message: string }[] = [
  { name: 'zero threads', args: ['--threads', '0'], message: 'Invalid --threads "0": use a whole number of 1 or more.' },
  { name: 'negative max cases', args: ['--max-cases', '-1'], message: 'Invalid --max-cases "-1": use a whole number of 1 or more.' },
  { name: 'fractional max cases', args: ['--max-cases', '1.5'], message: 'Invalid --max-cases "1.5": use a whole number of 1 or more.' },
  { name: 'unknown split', args: ['--split', 'test'], message: 'Invalid --split "test": use validation, train or all.' },
  { name: 'unknown provider', args: ['--execution-provider', 'tpu'], message: 'Invalid --execution-provider "tpu": use cpu, cuda or webgpu.' },
  { name: 'misspelled option', args: ['--max-case', '3'], message: 'Unknown option --max-case. Did you mean --max-cases? Run lumbar-copilot evaluate --help for the options.' },
  { name: 'missing data folder', args: ['--data', '/nonexistent-lumbar/sets'], message: 'Invalid --data "/nonexistent-lumbar/sets": folder not found. Pass --data with an existing folder.' },
  {
    name: 'missing report folder',
    args: ['--report', '/nonexistent-lumbar/dir/r.json'],
    message: 'Invalid --report "/nonexistent-lumbar/dir/r.json": folder /nonexistent-lumbar/dir does not exist. Create it first, or pass a path in an existing folder.',
  },
];

for (const usageCase of usageCases) {
  test(`evaluate: ${usageCase.name} exits 2`, async () => {
    const args = usageCase.args.includes('--data') ? usageCase.args : ['--data', folder, ...usageCase.args];
    const result = await captureOutput(() => run(['--model', BAND_MODEL, ...args]));
    assert.is(result.code, 2);
    assert.is(result.stderr, `${usageCase.message}\n`);
    assert.is(result.stdout, '', 'no evaluation output before the error');
  });
}

test('evaluate: folder without dataset.json exits 2', async () => {
  const empty = join(folder, 'empty-folder');
  mkdirSync(empty);
  const result = await captureOutput(() => run(['--data', empty, '--model', BAND_MODEL]));
  assert.is(result.code, 2);
  assert.match(result.stderr, `Invalid --data "${empty}": it has no dataset.json`);
});

test('evaluate: missing model exits 2', async () => {
  const result = await captureOutput(() => run(['--data', folder, '--model', join(folder, 'no-model.onnx')]));
  assert.is(result.code, 2);
  assert.match(result.stderr, /^Model file .*no-model\.onnx could not be read/);
});

test('evaluate: help states the exit codes', async () => {
  const { code, stdout } = await captureOutput(() => run(['--help']));
  assert.is(code, 0);
  assert.match(stdout, 'Exit status: 0 when the evaluation finished, 1 when it failed');
});

test('evaluate: train split skips unlisted sets', async () => {
  const reportPath = join(folder, 'train-report.json');
  assert.is((await captureOutput(() => run(['--data', folder, '--model', BAND_MODEL, '--split', 'train', '--report', reportPath]))).code, 0);
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  assert.is(report.cases, 0);
  assert.match(report.split, 'training cases');
  assert.match(report.datasets[0].note, 'no training cases');
});

test('evaluate: a parent folder may link to its dataset folders', async () => {
  const parent = join(folder, 'linked-sets');
  mkdirSync(parent);
  symlinkSync(folder, join(parent, 'synthetic-discs'), 'dir');
  const reportPath = join(folder, 'linked-report.json');
  assert.is((await captureOutput(() => run(['--data', parent, '--split', 'all', '--model', BAND_MODEL, '--report', reportPath]))).code, 0);
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  assert.is(report.cases, 1);
  assert.is(report.datasets[0].name, 'synthetic-discs');
});

test.after(() => rmSync(folder, { recursive: true, force: true }));

test.run();
