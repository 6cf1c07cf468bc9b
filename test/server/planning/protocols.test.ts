import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { listProtocols, loadProtocol, parseProtocol } from '../../../server/planning/protocols.ts';
import { PlanningError } from '../../../server/planning/errors.ts';

function expectCode(action: () => unknown, code: string, pattern?: RegExp): void {
  try {
    action();
  } catch (error) {
    assert.instance(error, PlanningError);
    assert.is((error as PlanningError).code, code, (error as Error).message);
    if (pattern !== undefined) assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('default protocol loads', () => {
  const protocol = loadProtocol();
  assert.is(protocol.name, 'lumbar-routine');
  assert.is(protocol.mode, 'per-disc');
  assert.equal(protocol.levels, ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1']);
  assert.is(protocol.sliceCount, 5);
  assert.is(protocol.sliceThicknessMm, 4);
  assert.is(protocol.gapPercent, 10);
  assert.is(protocol.fovMm, 180);
  assert.is(protocol.matrix, 256);
});

test('stack protocol loads', () => {
  const protocol = loadProtocol('lumbar-stack-l3-s1');
  assert.is(protocol.mode, 'contiguous-stack');
  assert.equal(protocol.stackRange, { from: 'L3', to: 'S1' });
});

test('shipped protocols are listed', () => {
  assert.equal(listProtocols(), ['lumbar-routine', 'lumbar-stack-l3-s1']);
});

test('unknown name lists known ones', () => {
  expectCode(() => loadProtocol('lumbar-fast'), 'ERR_PROTOCOL_NOT_FOUND', /lumbar-routine, lumbar-stack-l3-s1/);
  expectCode(() => loadProtocol('../etc/passwd-like name'), 'ERR_PROTOCOL_NOT_FOUND');
});

test('protocol file by path loads and validates', () => {
  const folder = mkdtempSync(join(tmpdir(), 'protocol-'));
  try {
    const valid = { ...loadProtocol(), name: 'site-variant', sliceCount: 3 };
    writeFileSync(join(folder, 'site.json'), JSON.stringify(valid));
    assert.is(loadProtocol(join(folder, 'site.json')).sliceCount, 3);

    writeFileSync(join(folder, 'broken.json'), '{"name": ');
    expectCode(() => loadProtocol(join(folder, 'broken.json')), 'ERR_INVALID_PROTOCOL', /not valid JSON/);
    expectCode(() => loadProtocol(join(folder, 'missing.json')), 'ERR_PROTOCOL_NOT_FOUND', /not found/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('invalid fields are named', () => {
  const base = loadProtocol();
  expectCode(() => parseProtocol({ ...base, sliceThicknessMm: 0 }), 'ERR_INVALID_PROTOCOL', /sliceThicknessMm/);
  expectCode(() => parseProtocol({ ...base, levels: ['L4-L5'] }), 'ERR_INVALID_PROTOCOL', /levels\.0/);
  expectCode(() => parseProtocol({ ...base, sagittal: { ...base.sagittal, matrix: 12 } }), 'ERR_INVALID_PROTOCOL', /sagittal\.matrix/);
  expectCode(() => parseProtocol({ ...base, mode: 'contiguous-stack' }), 'ERR_INVALID_PROTOCOL', /stackRange/);
  expectCode(() => parseProtocol({ ...base, extraField: 1 }), 'ERR_INVALID_PROTOCOL', /extraField|Unrecognized/);
});

test.run();
