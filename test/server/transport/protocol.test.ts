import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { consoleInbound, scannerInbound } from '../../../server/transport/protocol.ts';

test('scanner exam.started accepts valid message', () => {
  const parsed = scannerInbound.safeParse({
    type: 'exam.started',
    messageId: 'm1',
    examId: 'exam-1',
    protocol: 'lumbar-routine',
    patientPosition: 'HFS',
  });
  assert.ok(parsed.success);
});

test('console slab.adjust rejects tilt out of range', () => {
  const parsed = consoleInbound.safeParse({
    type: 'slab.adjust',
    messageId: 'm2',
    sessionId: 's1',
    planRevision: 0,
    adjustment: { slabId: 'L4/L5', tiltAboutRowDeg: 90 },
  });
  assert.not.ok(parsed.success);
  if (!parsed.success) assert.equal(parsed.error.issues[0]?.path.join('.'), 'adjustment.tiltAboutRowDeg');
});

test.run();
