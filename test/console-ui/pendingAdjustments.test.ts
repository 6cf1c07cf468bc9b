import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { NO_PENDING, addAdjustment, dropIfStillInFlight, dropOnError, previewSlab, settleOnRevision } from '../../console-ui/src/state/pendingAdjustments.ts';
import { discSlab } from './consoleFixtures.ts';

function idSource(): () => string {
  let counter = 0;
  return () => {
    counter += 1;
    return `m${counter}`;
  };
}

test('first change is sent at once', () => {
  const { pending, send } = addAdjustment(NO_PENDING, { slabId: 's', shiftAlongNormalMm: 1 }, 4, idSource());
  assert.equal(send, { messageId: 'm1', planRevision: 4, adjustment: { slabId: 's', shiftAlongNormalMm: 1 } });
  assert.equal(pending.queued, null);
});

test('changes during flight are summed', () => {
  const nextId = idSource();
  let state = addAdjustment(NO_PENDING, { slabId: 's', shiftAlongNormalMm: 1 }, 4, nextId).pending;
  const second = addAdjustment(state, { slabId: 's', shiftAlongNormalMm: 1 }, 4, nextId);
  assert.is(second.send, null);
  state = addAdjustment(second.pending, { slabId: 's', tiltAboutRowDeg: -1 }, 4, nextId).pending;
  assert.equal(state.queued, { slabId: 's', shiftAlongNormalMm: 1, tiltAboutRowDeg: -1 });
});

test('new revision sends the queue', () => {
  const nextId = idSource();
  let state = addAdjustment(NO_PENDING, { slabId: 's', shiftAlongNormalMm: 1 }, 4, nextId).pending;
  state = addAdjustment(state, { slabId: 's', shiftAlongNormalMm: 0.5 }, 4, nextId).pending;
  const settled = settleOnRevision(state, 5, nextId);
  assert.equal(settled.send, { messageId: 'm2', planRevision: 5, adjustment: { slabId: 's', shiftAlongNormalMm: 0.5 } });
  assert.is(settleOnRevision(settled.pending, 6, nextId).pending, NO_PENDING);
});

test('same revision settles nothing', () => {
  const nextId = idSource();
  const state = addAdjustment(NO_PENDING, { slabId: 's', shiftAlongNormalMm: 1 }, 4, nextId).pending;
  assert.is(settleOnRevision(state, 4, nextId).pending, state);
});

test('error for the in-flight change drops all', () => {
  const nextId = idSource();
  let state = addAdjustment(NO_PENDING, { slabId: 's', shiftAlongNormalMm: 1 }, 4, nextId).pending;
  state = addAdjustment(state, { slabId: 's', shiftAlongNormalMm: 1 }, 4, nextId).pending;
  assert.is(dropOnError(state, { inReplyTo: 'other-message', message: 'stale' }), state);
  assert.is(dropOnError(state, { inReplyTo: 'm1', message: 'stale' }), NO_PENDING);
});

test('broadcast adjustment failure drops its slab', () => {
  const state = addAdjustment(NO_PENDING, { slabId: 'slab-L4-L5', shiftAlongNormalMm: 1 }, 4, idSource()).pending;
  const failure = { field: 'adjustment', message: 'slab slab-L4-L5 was not adjusted: tilt too large; the plan is unchanged' };
  assert.is(dropOnError(state, failure), NO_PENDING);
  assert.is(dropOnError(state, { ...failure, message: 'slab slab-L3-L4 was not adjusted' }), state);
});

test('timeout drops only the same message', () => {
  const state = addAdjustment(NO_PENDING, { slabId: 's', shiftAlongNormalMm: 1 }, 4, idSource()).pending;
  assert.is(dropIfStillInFlight(state, 'm2'), state);
  assert.is(dropIfStillInFlight(state, 'm1'), NO_PENDING);
});

test('preview applies only unsettled changes', () => {
  const slab = discSlab(2);
  const nextId = idSource();
  const state = addAdjustment(NO_PENDING, { slabId: slab.slabId, shiftAlongNormalMm: 2 }, 4, nextId).pending;
  assert.ok(Math.abs(previewSlab(slab, state, 4).centerLpsMm[2] - (slab.centerLpsMm[2] + 2)) < 1e-9);
  // Once the plan shows revision 5 the server's slab already contains the change.
  assert.equal(previewSlab(slab, state, 5).centerLpsMm, slab.centerLpsMm);
});

test.run();
