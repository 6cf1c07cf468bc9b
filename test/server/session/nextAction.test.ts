import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, type AnyStateNode } from 'xstate';

import { explainRejection, expectedEvents } from '../../../server/session/eventRejection.ts';
import { examMachine } from '../../../server/session/examMachine.ts';
import type { ExamContext } from '../../../server/session/examTypes.ts';
import { nextAction } from '../../../server/session/nextAction.ts';
import { startAcquisition } from '../../../server/session/slabQueue.ts';
import { dottedStateName, loopStateName, scannerLinkState } from '../../../server/session/stateName.ts';
import { fakePlan } from './doubles.ts';

/** Dotted names of the loop region's leaf states, read from the machine definition. */
function loopLeafStates(node: AnyStateNode, prefix: string): string[] {
  const children = Object.values(node.states);
  if (children.length === 0) return [prefix];
  return children.flatMap((child) => loopLeafStates(child, prefix === '' ? child.key : `${prefix}.${child.key}`));
}

/** States the loop passes through without stopping, so no console ever shows them. */
const TRANSIENT_STATES = new Set(['acquisition.nextSlab']);

function baseContext(): ExamContext {
  const actor = createActor(examMachine, {
    input: { sessionId: 's-1', examId: 'exam-1', protocolName: 'lumbar-routine', patientPosition: 'HFS' },
  });
  return actor.getSnapshot().context;
}

function acquiringContext(): ExamContext {
  const plan = fakePlan();
  const confirmed = plan.slabs.map((slab) => slab.slabId);
  return { ...baseContext(), plan, confirmedSlabIds: confirmed, acquisition: { ...startAcquisition(plan, confirmed), currentIndex: 1 } };
}

const leaves = loopLeafStates(examMachine.root.states.loop, '').filter((state) => !TRANSIENT_STATES.has(state));

test('every loop state has a next action', () => {
  const context = acquiringContext();
  const codes = new Set<string>();
  for (const state of leaves) {
    const action = nextAction(state, 'connected', context);
    assert.is.not(action.code, 'WAIT', `${state} falls back to the generic action`);
    assert.ok(action.text.en.length > 0, `${state} has English text`);
    assert.ok(/[\u4e00-\u9fff]/.test(action.text['zh-CN']), `${state} has Chinese text`);
    codes.add(action.code);
  }
  assert.is(codes.size, leaves.length, 'each state has its own code');
});

test('every loop state lists expected events', () => {
  for (const state of leaves) {
    const expected = expectedEvents(state);
    if (state === 'ended') assert.equal(expected, []);
    else assert.ok(expected.length > 0, `${state} lists what it expects`);
  }
});

test('acquire action names the slab', () => {
  const action = nextAction('acquisition.acquiringSlab', 'connected', acquiringContext());
  assert.is(action.code, 'ACQUIRE_SLAB');
  assert.is(action.text.en, 'Acquire slab L4/L5 (2 of 3) on the scanner.');
  assert.is(action.text['zh-CN'], '请在扫描仪上采集扫描块 L4/L5（第 2/3 个）。');
});

test('manual planning gives the reason', () => {
  const context = { ...baseContext(), reason: { code: 'LOW_CONFIDENCE', message: 'segmentation confidence 0.30 is below the minimum 0.50' } };
  const action = nextAction('planning.manual', 'connected', context);
  assert.is(action.code, 'PLAN_MANUALLY');
  assert.match(action.text.en, /confidence 0\.30 is below the minimum 0\.50/);
  assert.match(action.text['zh-CN'], /分割置信度过低/);
});

test('scanner link overrides scanner steps', () => {
  const context = acquiringContext();
  assert.is(nextAction('acquisition.acquiringSlab', 'disconnected', context).code, 'WAIT_FOR_SCANNER');
  assert.is(nextAction('planning.awaitingTechnologist', 'disconnected', { ...context, acquisition: null }).code, 'REVIEW_PLAN');
  assert.is(nextAction('planning.awaitingTechnologist', 'lost', context).code, 'SCANNER_LOST');
  assert.match(nextAction('segmenting', 'lost', context).text.en, /more than 300 s/);
  assert.is(nextAction('ended', 'lost', context).code, 'EXAM_ENDED');
});

test('rejection names state and fix', () => {
  const plan = fakePlan(2);
  const context = { ...baseContext(), plan };
  const stale = explainRejection('planning.awaitingTechnologist', context, {
    type: 'plan.confirm',
    messageId: 'm',
    sessionId: 's-1',
    planRevision: 1,
  });
  assert.is(stale.code, 'ERR_STALE_PLAN_REVISION');
  assert.match(stale.message, /revision 1, but the current plan is revision 2/);
  assert.is(stale.expected, 'planRevision 2');

  const notExpected = explainRejection('acquisition.qcChecking', context, { type: 'replan.request', messageId: 'm', sessionId: 's-1' });
  assert.is(notExpected.code, 'ERR_EVENT_NOT_EXPECTED');
  assert.match(notExpected.message, /replan\.request does not fit session state acquisition\.qcChecking/);

  const wrongSlab = explainRejection('acquisition.slabFailed', acquiringContext(), {
    type: 'qc.acknowledge',
    messageId: 'm',
    sessionId: 's-1',
    slabId: 'slab-3',
    action: 'accept',
  });
  assert.is(wrongSlab.code, 'ERR_WRONG_SLAB');
  assert.match(wrongSlab.message, /waits for a decision on slab slab-2/);

  const ended = explainRejection('ended', context, { type: 'series.started', messageId: 'm', examId: 'exam-1', seriesInstanceUid: '1.2', role: 'localizer' });
  assert.is(ended.code, 'ERR_SESSION_ENDED');

  const noLocalizer = explainRejection('planning.manual', baseContext(), { type: 'replan.request', messageId: 'm', sessionId: 's-1' });
  assert.is(noLocalizer.code, 'ERR_NO_LOCALIZER');
});

test('state names are dotted paths', () => {
  const value = { loop: { planning: 'awaitingTechnologist' }, scanner: 'lost', consoles: 'watched' };
  assert.is(loopStateName(value), 'planning.awaitingTechnologist');
  assert.is(scannerLinkState(value), 'lost');
  assert.is(scannerLinkState({ loop: 'segmenting', scanner: 'connected' }), 'connected');
  assert.is(dottedStateName({ acquisition: 'qcChecking' }), 'acquisition.qcChecking');
  assert.is(dottedStateName('ended'), 'ended');
});

test.run();
