import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { analyzeAcquiredStack } from '../../../server/qc/acquiredStack.ts';
import { checkDiscCoverage, checkDiscLevel } from '../../../server/qc/discChecks.ts';
import { projectDiscs, validateSegmentationGrid } from '../../../server/qc/discProjection.ts';
import { QcInputError } from '../../../server/qc/errors.ts';
import { loadQcConfig } from '../../../server/qc/qcConfig.ts';
import { acquireSlab, buildLocalizer, plannedSlab, type AcquisitionFaults } from './qcFixtures.ts';

const config = loadQcConfig();
const { localizer, segmentation } = buildLocalizer({ spacingMm: 2 });
const slab = plannedSlab('L4/L5', { matrix: 96 });

function project(faults: AcquisitionFaults) {
  const stack = analyzeAcquiredStack(acquireSlab(slab, faults), slab);
  return { stack, projection: projectDiscs(stack, localizer, segmentation, slab.level, slab.sliceThicknessMm) };
}

test('target disc lies inside the planned slab', () => {
  const { projection } = project({});
  const coverage = checkDiscCoverage(projection, slab, config);
  const level = checkDiscLevel(projection, slab, config);
  assert.is(coverage.verdict, 'pass');
  assert.ok((coverage.value ?? 0) > 95, `coverage ${coverage.value}`);
  assert.is(level.verdict, 'pass');
  assert.is(level.value, 100);
});

test('slab on the next disc fails with its name', () => {
  const { projection } = project({ offsetAlongNormalMm: 38 });
  const coverage = checkDiscCoverage(projection, slab, config);
  const level = checkDiscLevel(projection, slab, config);
  assert.is(coverage.verdict, 'fail');
  assert.is(coverage.value, 0);
  assert.is(level.verdict, 'fail');
  assert.match(level.message.en, 'shows L3/L4');
  assert.match(level.message['zh-CN'], 'L3/L4');
});

test('half-covered disc warns', () => {
  const { projection } = project({ offsetAlongNormalMm: 12 });
  const coverage = checkDiscCoverage(projection, slab, config);
  assert.ok((coverage.value ?? 100) < 80, `coverage ${coverage.value}`);
  assert.ok((coverage.value ?? 0) > 20, `coverage ${coverage.value}`);
  assert.not.equal(coverage.verdict, 'pass');
});

test('coverage warning advises no corrected slab', () => {
  const { projection } = project({ offsetAlongNormalMm: 8 });
  const coverage = checkDiscCoverage(projection, slab, config);
  assert.is(coverage.verdict, 'warn');
  assert.not.match(coverage.message.en, 'corrected slab');
  assert.not.match(coverage.message['zh-CN'], '校正后的扫描块');
  assert.match(coverage.message.en, 'accept, or rescan as planned');
  assert.match(coverage.message.en, /Only 78% of disc L4\/L5/);
});

test('coverage failure advises the corrected slab', () => {
  const { projection } = project({ offsetAlongNormalMm: 12 });
  const coverage = checkDiscCoverage(projection, slab, config);
  assert.is(coverage.verdict, 'fail');
  assert.match(coverage.message.en, 'Rescan with the corrected slab');
});

test('slab between discs shows no disc', () => {
  const { projection } = project({ offsetAlongNormalMm: 19 });
  const level = checkDiscLevel(projection, slab, config);
  assert.is(level.verdict, 'fail');
  assert.match(level.message.en, 'No segmented disc');
});

test('level missing from segmentation warns', () => {
  const other = plannedSlab('L1/L2', { matrix: 96 });
  const stack = analyzeAcquiredStack(acquireSlab(other), other);
  const withoutTarget = { ...segmentation, structures: segmentation.structures.filter((s) => s.name !== 'L1/L2'), labelNames: { 2: 'L2/L3' } };
  const projection = projectDiscs(stack, localizer, withoutTarget, 'L1/L2', 4);
  assert.is(checkDiscCoverage(projection, other, config).verdict, 'warn');
});

test('segmentation on another grid is rejected', () => {
  const wrong = { ...segmentation, dims: { ...segmentation.dims, slices: 3 } };
  try {
    validateSegmentationGrid(wrong, localizer);
    assert.unreachable('expected ERR_SEGMENTATION_GRID_MISMATCH');
  } catch (error) {
    assert.instance(error, QcInputError);
    assert.is((error as QcInputError).code, 'ERR_SEGMENTATION_GRID_MISMATCH');
  }
});

test.run();
