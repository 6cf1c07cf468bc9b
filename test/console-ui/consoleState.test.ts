import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { EMPTY_CONSOLE_STATE, reduceServerMessage, type ConsoleState } from '../../console-ui/src/state/consoleState.ts';
import type { ConsoleOutbound } from '../../server/transport/protocol.ts';
import { SESSION_ID } from './consoleFixtures.ts';
import { ScriptedSession } from './scriptedSession.ts';

function replay(messages: ConsoleOutbound[], start: ConsoleState = EMPTY_CONSOLE_STATE): ConsoleState {
  return messages.reduce(reduceServerMessage, start);
}

test('snapshot fills every part', () => {
  const state = replay(new ScriptedSession().snapshot());
  assert.ok(state.session !== null);
  assert.ok(state.localizer !== null);
  assert.ok(state.segmentation !== null);
  assert.equal(state.plan?.plan.revision, 0);
});

test('older plan revision is ignored', () => {
  const session = new ScriptedSession();
  const revisionZero = session.planMessage();
  session.revision = 3;
  const state = replay([session.sessionState(), session.planMessage(), revisionZero]);
  assert.equal(state.plan?.plan.revision, 3);
});

test('new plan id replaces the plan', () => {
  const session = new ScriptedSession();
  session.revision = 3;
  const first = session.planMessage();
  const replanned: ConsoleOutbound = { ...first, plan: { ...first.plan, planId: 'plan-2', revision: 0 } };
  assert.equal(replay([session.sessionState(), first, replanned]).plan?.plan.planId, 'plan-2');
});

test('new localizer drops segmentation, plan and QC', () => {
  const session = new ScriptedSession();
  session.publishQc();
  const state = replay(session.snapshot());
  assert.ok(Object.keys(state.qcResults).length === 3);
  const next = reduceServerMessage(state, { ...session.localizer, seriesInstanceUid: '1.2.3.4' });
  assert.is(next.segmentation, null);
  assert.is(next.plan, null);
  assert.equal(next.qcResults, {});
});

test('localizer after resync keeps the rest', () => {
  const session = new ScriptedSession();
  session.publishQc();
  const [state, localizer, segmentation, plan, ...qc] = session.snapshot();
  // The session hub streams the localizer last because it is prepared asynchronously.
  const resynced = replay([segmentation, plan, ...qc, state, localizer]);
  assert.ok(resynced.segmentation !== null);
  assert.ok(resynced.plan !== null);
  assert.equal(Object.keys(resynced.qcResults).length, 3);
});

test('QC result is kept per slab', () => {
  const session = new ScriptedSession();
  session.publishQc();
  const state = replay(session.snapshot());
  const [first] = session.qcResults;
  const updated = reduceServerMessage(state, { type: 'qc.result', sessionId: SESSION_ID, result: { ...first, verdict: 'warn' } });
  assert.equal(updated.qcResults[first.slabId].verdict, 'warn');
  assert.equal(Object.keys(updated.qcResults).length, 3);
});

test('other session resets the view', () => {
  const session = new ScriptedSession();
  const state = replay(session.snapshot());
  const other: ConsoleOutbound = { ...session.sessionState(), sessionId: 'session-other' };
  const next = reduceServerMessage(state, other);
  assert.equal(next.session?.sessionId, 'session-other');
  assert.is(next.plan, null);
  assert.is(next.localizer, null);
});

test('error is kept until the next plan', () => {
  const session = new ScriptedSession();
  const state = replay(session.snapshot());
  const withError = reduceServerMessage(state, { type: 'error', code: 'ERR_STALE_PLAN_REVISION', message: 'stale' });
  assert.equal(withError.lastError?.code, 'ERR_STALE_PLAN_REVISION');
  assert.is(reduceServerMessage(withError, session.planMessage()).lastError, null);
});

test('latency survives unmeasured updates', () => {
  const session = new ScriptedSession();
  const snapshot = replay(session.snapshot());
  assert.is(snapshot.lastLatencyMs, null, 'a watch snapshot carries no latency');

  const measured = reduceServerMessage(snapshot, session.sessionState(42));
  assert.is(measured.lastLatencyMs, 42);
  const unmeasured = reduceServerMessage(measured, session.sessionState(null));
  assert.is(unmeasured.lastLatencyMs, 42, 'a state message without a trigger keeps the last value');
  assert.is(reduceServerMessage(unmeasured, session.sessionState(7)).lastLatencyMs, 7);

  const other: ConsoleOutbound = { ...session.sessionState(null), sessionId: 'session-other' };
  assert.is(reduceServerMessage(measured, other).lastLatencyMs, null, 'another session starts unmeasured');
});

test('ack changes nothing', () => {
  const state = replay(new ScriptedSession().snapshot());
  assert.is(reduceServerMessage(state, { type: 'ack', inReplyTo: 'm1', sessionId: null }), state);
});

test('baseline keeps the first revision of a plan', () => {
  const session = new ScriptedSession();
  const start = replay(session.snapshot());
  assert.is(start.baseline?.revision, 0);
  session.revision = 4;
  const adjusted = reduceServerMessage(start, session.planMessage());
  assert.is(adjusted.baseline, start.baseline);
  const replanned = reduceServerMessage(adjusted, { ...session.planMessage(), plan: { ...session.planMessage().plan, planId: 'plan-2', revision: 2 } });
  assert.equal([replanned.baseline?.planId, replanned.baseline?.revision], ['plan-2', 2]);
});

test('QC result records the slab as acquired', () => {
  const session = new ScriptedSession();
  session.publishQc();
  const state = replay(session.snapshot());
  const [first] = session.qcResults;
  assert.equal(state.acquiredSlabs[first.slabId], session.slabs[0]);
  assert.is(Object.keys(state.acquiredSlabs).length, session.qcResults.length);
});

test.run();
