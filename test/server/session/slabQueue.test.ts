import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import {
  advanceAcquisition,
  allSlabsConfirmed,
  confirmSlabs,
  currentSlabId,
  forgetCompletedSeries,
  hasMoreSlabs,
  pendingSlabIds,
  replaceSlab,
  startAcquisition,
  unknownSlabIds,
} from '../../../server/session/slabQueue.ts';
import { fakePlan, fakeSlab } from './doubles.ts';

const plan = fakePlan();
const slabIds = plan.slabs.map((slab) => slab.slabId);
const subsetOfSlabIds = fc.subarray(slabIds);

test('confirm keeps plan order without duplicates', () => {
  fc.assert(
    fc.property(subsetOfSlabIds, fc.array(fc.constantFrom(...slabIds), { maxLength: 6 }), (confirmed, requested) => {
      const result = confirmSlabs(plan, confirmed, requested);
      assert.equal(result, slabIds.filter((slabId) => result.includes(slabId)), 'plan order');
      assert.is(new Set(result).size, result.length, 'no duplicates');
      for (const slabId of [...confirmed, ...requested]) assert.ok(result.includes(slabId), `${slabId} kept`);
    }),
  );
});

test('confirm without ids confirms all', () => {
  const result = confirmSlabs(plan, [], undefined);
  assert.equal(result, slabIds);
  assert.ok(allSlabsConfirmed(plan, result));
  assert.not.ok(allSlabsConfirmed(plan, ['slab-1']));
  assert.not.ok(allSlabsConfirmed({ ...plan, slabs: [] }, []), 'an empty plan is never fully confirmed');
});

test('unknown slab ids are listed', () => {
  assert.equal(unknownSlabIds(plan, ['slab-1', 'slab-9', 'x']), ['slab-9', 'x']);
  assert.equal(unknownSlabIds(plan, []), []);
});

test('acquisition visits every slab once', () => {
  fc.assert(
    fc.property(subsetOfSlabIds, (confirmed) => {
      let acquisition = startAcquisition(plan, confirmed);
      const visited: string[] = [];
      while (hasMoreSlabs(acquisition)) {
        const slabId = currentSlabId(acquisition);
        assert.ok(slabId !== null);
        visited.push(slabId);
        acquisition = advanceAcquisition(acquisition);
      }
      assert.equal(visited, slabIds.filter((slabId) => confirmed.includes(slabId)));
      assert.equal(acquisition.doneSlabIds, visited);
      assert.is(currentSlabId(acquisition), null);
    }),
  );
});

test('pending slabs skip completed ones', () => {
  let acquisition = startAcquisition(plan, slabIds);
  acquisition = { ...acquisition, completedSeries: { 'slab-2': '1.2.3' } };
  assert.equal(pendingSlabIds(acquisition), ['slab-1', 'slab-3']);
  acquisition = advanceAcquisition(acquisition);
  assert.equal(pendingSlabIds(acquisition), ['slab-3']);
  assert.equal(pendingSlabIds(forgetCompletedSeries(acquisition, 'slab-2')), ['slab-2', 'slab-3']);
});

test('replace slab bumps the revision', () => {
  const corrected = { ...fakeSlab('L4/L5', 31, 7), angleToAxialDeg: 4 };
  const next = replaceSlab(plan, 'slab-2', corrected, '2026-12-04T21:00:00.000Z');
  assert.is(next.revision, plan.revision + 1);
  assert.is(next.slabs[1].slabId, 'slab-2', 'the corrected slab keeps the failed slab id');
  assert.is(next.slabs[1].angleToAxialDeg, 4);
  assert.equal(next.slabs[0], plan.slabs[0]);
  assert.equal(next.slabs[2], plan.slabs[2]);
  assert.is(next.createdAt, '2026-12-04T21:00:00.000Z');
});

test.run();
