import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { QcInputError } from '../../../server/qc/errors.ts';
import { loadQcConfig, parseQcConfig, resolveQcConfig } from '../../../server/qc/qcConfig.ts';

function expectConfigError(action: () => unknown, fragment: string): void {
  try {
    action();
  } catch (error) {
    assert.instance(error, QcInputError);
    assert.is((error as QcInputError).code, 'ERR_INVALID_QC_CONFIG');
    assert.match((error as QcInputError).message, fragment);
    return;
  }
  assert.unreachable('expected ERR_INVALID_QC_CONFIG');
}

test('shipped config loads and validates', () => {
  const config = loadQcConfig();
  assert.is(config.maxAngleDeviationDeg.fail, 5);
  assert.ok(config.maxAngleDeviationDeg.warn <= config.maxAngleDeviationDeg.fail);
  assert.ok(config.minSnr.fail <= config.minSnr.warn);
  assert.is(config.thumbnailSizePx, 96);
});

test('overrides replace whole fields', () => {
  const config = resolveQcConfig({ maxAngleDeviationDeg: { warn: 1, fail: 2 } });
  assert.equal(config.maxAngleDeviationDeg, { warn: 1, fail: 2 });
  assert.is(config.maxCenterOffsetInPlaneMm.fail, loadQcConfig().maxCenterOffsetInPlaneMm.fail);
});

test('fail below warn is rejected for max limits', () => {
  expectConfigError(() => resolveQcConfig({ maxGhostingPercent: { warn: 5, fail: 2 } }), 'maxGhostingPercent');
});

test('fail above warn is rejected for min limits', () => {
  expectConfigError(() => resolveQcConfig({ minSnr: { warn: 5, fail: 10 } }), 'minSnr');
});

test('unknown and missing fields are rejected', () => {
  const valid = loadQcConfig();
  expectConfigError(() => parseQcConfig({ ...valid, maxAngleDeg: 3 }, 'test'), 'maxAngleDeg');
  const { minSnr: _removed, ...missing } = valid;
  expectConfigError(() => parseQcConfig(missing, 'test'), 'minSnr');
});

test('unreadable and malformed files name the path', () => {
  const folder = mkdtempSync(join(tmpdir(), 'qc-config-'));
  expectConfigError(() => loadQcConfig(join(folder, 'absent.json')), 'absent.json');
  const malformed = join(folder, 'malformed.json');
  writeFileSync(malformed, '{ "minSnr": ');
  expectConfigError(() => loadQcConfig(malformed), 'not valid JSON');
});

test.run();
