import { PNG } from 'pngjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { distance, subtract } from '../../../server/geometry/vec3.ts';
import { QcInputError } from '../../../server/qc/errors.ts';
import { createQcChecker } from '../../../server/qc/qcChecker.ts';
import type { QcInput, QcResult } from '../../../server/qc/types.ts';
import { acquireSlab, buildLocalizer, DISCS, plannedSlab, type AcquisitionFaults } from './qcFixtures.ts';

const { localizer, segmentation } = buildLocalizer({ spacingMm: 2 });
const slab = plannedSlab('L4/L5', { matrix: 96 });
const checker = createQcChecker();

function inputWith(faults: AcquisitionFaults, withSegmentation = true): QcInput {
  return { confirmedSlab: slab, acquired: acquireSlab(slab, faults), localizer, segmentation: withSegmentation ? segmentation : null };
}

function codesFlagged(result: QcResult): string[] {
  return result.checks.filter((check) => check.verdict !== 'pass').map((check) => check.code);
}

test('clean slab passes with every check', async () => {
  const result = await checker.check(inputWith({}));
  assert.is(result.verdict, 'pass', JSON.stringify(codesFlagged(result)));
  assert.is(result.slabId, slab.slabId);
  assert.is(result.correctedSlab, null);
  const codes = result.checks.map((check) => check.code);
  for (const code of ['FRAME_OF_REFERENCE', 'ANGLE_DEVIATION', 'DISC_LEVEL', 'PATIENT_MOTION', 'SNR', 'GHOSTING', 'WRAP_AROUND', 'SIGNAL_DROPOUT']) {
    assert.ok(codes.includes(code), `missing ${code}`);
  }
  for (const check of result.checks) {
    assert.ok(check.message.en.length > 0, `${check.code} English message`);
    assert.ok(check.message['zh-CN'].length > 0, `${check.code} Chinese message`);
  }
  assert.ok(result.elapsedMs > 0);
});

test('thumbnails are small PNGs', async () => {
  const result = await checker.check(inputWith({}));
  assert.is(result.thumbnails.length, 3);
  for (const thumbnail of result.thumbnails) {
    const png = PNG.sync.read(Buffer.from(thumbnail, 'base64'));
    assert.is(Math.max(png.width, png.height), 96);
  }
});

test('clean slab without segmentation passes', async () => {
  const result = await checker.check(inputWith({}, false));
  assert.is(result.verdict, 'pass', JSON.stringify(codesFlagged(result)));
  assert.ok(result.checks.some((check) => check.code === 'DISC_APPEARANCE'));
  assert.not.ok(result.checks.some((check) => check.code === 'DISC_LEVEL'));
});

test('tilted slab fails and rescans as planned', async () => {
  const result = await checker.check(inputWith({ tiltDeg: 8 }));
  assert.is(result.verdict, 'fail');
  assert.ok(codesFlagged(result).includes('ANGLE_DEVIATION'));
  assert.ok(result.correctedSlab !== null);
  assert.ok(distance(result.correctedSlab?.centerLpsMm ?? [0, 0, 0], slab.centerLpsMm) < 0.5);
  assert.equal(result.correctedSlab?.normalLps, slab.normalLps);
});

test('patient motion moves the corrected slab', async () => {
  const motion: [number, number, number] = [0, 9, 0];
  const result = await checker.check(inputWith({ motionLpsMm: motion }));
  assert.is(result.verdict, 'fail');
  assert.ok(codesFlagged(result).includes('PATIENT_MOTION'));
  const moved = subtract(result.correctedSlab?.centerLpsMm ?? [0, 0, 0], slab.centerLpsMm);
  assert.ok(distance(moved, motion) < 2, `moved by ${moved.map((v) => v.toFixed(1)).join(', ')}`);
  const firstMoved = subtract(result.correctedSlab?.firstSlicePositionLpsMm ?? [0, 0, 0], slab.firstSlicePositionLpsMm);
  assert.ok(distance(firstMoved, moved) < 1e-6);
});

test('slab on the wrong disc is re-centred on the target', async () => {
  const result = await checker.check(inputWith({ offsetAlongNormalMm: 38 }));
  assert.is(result.verdict, 'fail');
  assert.ok(codesFlagged(result).includes('DISC_LEVEL'));
  const target = DISCS.find((disc) => disc.name === 'L4/L5');
  assert.ok(distance(result.correctedSlab?.centerLpsMm ?? [0, 0, 0], target?.centerLpsMm ?? [0, 0, 0]) < 0.5);
  assert.match(result.correctedSlab?.rationale ?? '', 're-centred');
});

test('wrap-around widens the phase FOV', async () => {
  const result = await checker.check(inputWith({ wrapPhaseFovMm: 150 }));
  assert.ok(codesFlagged(result).includes('WRAP_AROUND'));
  assert.ok((result.correctedSlab?.fovMm.rows ?? 0) > slab.fovMm.rows);
  assert.is(result.correctedSlab?.fovMm.columns, slab.fovMm.columns);
});

test('slab from another exam fails and skips geometry', async () => {
  const result = await checker.check(inputWith({ frameOfReferenceUid: '1.2.3.4' }));
  assert.is(result.verdict, 'fail');
  assert.equal(codesFlagged(result), ['FRAME_OF_REFERENCE']);
  assert.not.ok(result.checks.some((check) => check.code === 'ANGLE_DEVIATION' || check.code === 'PATIENT_MOTION'));
  assert.ok(result.correctedSlab !== null);
});

test('empty acquisition rejects with a code', async () => {
  try {
    await checker.check({ ...inputWith({}), acquired: [] });
    assert.unreachable('expected ERR_EMPTY_ACQUISITION');
  } catch (error) {
    assert.instance(error, QcInputError);
    assert.is((error as QcInputError).code, 'ERR_EMPTY_ACQUISITION');
  }
});

test('aborted check rejects with the reason', async () => {
  const controller = new AbortController();
  controller.abort(new Error('slab cancelled'));
  try {
    await checker.check(inputWith({}), controller.signal);
    assert.unreachable('expected the abort reason');
  } catch (error) {
    assert.instance(error, Error);
    assert.is((error as Error).message, 'slab cancelled');
  }
});

test('invalid thresholds are rejected at creation', () => {
  try {
    createQcChecker({ minSnr: { warn: 2, fail: 8 } });
    assert.unreachable('expected ERR_INVALID_QC_CONFIG');
  } catch (error) {
    assert.instance(error, QcInputError);
    assert.is((error as QcInputError).code, 'ERR_INVALID_QC_CONFIG');
  }
});

test.run();
