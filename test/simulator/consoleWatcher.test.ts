import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { isScannerDrop, type SessionStateMessage } from '../../simulator/consoleWatcher.ts';

function stateMessage(state: string, scannerConnected: boolean): SessionStateMessage {
  return {
    type: 'session.state',
    sessionId: 'session-1',
    examId: 'exam-1',
    state,
    nextAction: { code: 'ACQUIRE_SLAB', text: { en: 'Acquire the next slab', 'zh-CN': '采集下一个扫描块' } },
    planRevision: 0,
    scannerConnected,
    latencyMs: null,
    model: null,
    updatedAt: '2024-01-01T00:00:00.000Z',
  };
}

const cases: { name: string; previous: SessionStateMessage | null; next: SessionStateMessage; drop: boolean }[] = [
  { name: 'link lost mid-exam', previous: stateMessage('acquisition.acquiringSlab', true), next: stateMessage('acquisition.acquiringSlab', false), drop: true },
  { name: 'link lost after the loop completed', previous: stateMessage('complete', true), next: stateMessage('complete', false), drop: true },
  { name: 'exam ended', previous: stateMessage('complete', true), next: stateMessage('ended', false), drop: false },
  { name: 'still disconnected', previous: stateMessage('planning.awaitingTechnologist', false), next: stateMessage('planning.awaitingTechnologist', false), drop: false },
  { name: 'reconnected', previous: stateMessage('planning.awaitingTechnologist', false), next: stateMessage('planning.awaitingTechnologist', true), drop: false },
  { name: 'first state disconnected', previous: null, next: stateMessage('localizer.waiting', false), drop: false },
];

test('scanner drop rule', () => {
  for (const { name, previous, next, drop } of cases) assert.is(isScannerDrop(previous, next), drop, name);
});

test.run();
