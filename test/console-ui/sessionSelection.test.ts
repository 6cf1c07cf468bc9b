import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { chooseSession, findSessionToAnnounce, type SessionPin, type SessionSummary } from '../../console-ui/src/controller/sessionSelection.ts';

function open(sessionId: string): SessionSummary {
  return { sessionId, examId: `exam-${sessionId}`, state: 'planning.awaitingTechnologist', updatedAt: '2026-01-01T00:00:00.000Z', watchable: true };
}

function ended(sessionId: string, watchable = true): SessionSummary {
  return { sessionId, examId: `exam-${sessionId}`, state: 'ended', updatedAt: '2026-01-01T00:00:00.000Z', watchable };
}

interface SelectionCase {
  name: string;
  sessions: SessionSummary[];
  watchedSessionId: string | null;
  pin: SessionPin | null;
  expectedSessionId: string | null;
  expectedPin: SessionPin | null;
}

const CASES: SelectionCase[] = [
  { name: 'empty list', sessions: [], watchedSessionId: null, pin: null, expectedSessionId: null, expectedPin: null },
  {
    name: 'newest open first',
    sessions: [open('b'), open('a'), ended('z')],
    watchedSessionId: null,
    pin: null,
    expectedSessionId: 'b',
    expectedPin: null,
  },
  {
    name: 'newest watchable ended without open',
    sessions: [ended('y', false), ended('x'), ended('w')],
    watchedSessionId: null,
    pin: null,
    expectedSessionId: 'x',
    expectedPin: null,
  },
  {
    name: 'only unwatchable sessions',
    sessions: [ended('y', false)],
    watchedSessionId: null,
    pin: null,
    expectedSessionId: null,
    expectedPin: null,
  },
  {
    name: 'watched open kept over newer open',
    sessions: [open('b'), open('a')],
    watchedSessionId: 'a',
    pin: null,
    expectedSessionId: 'a',
    expectedPin: null,
  },
  {
    name: 'watched ended left for new open',
    sessions: [open('b'), ended('a')],
    watchedSessionId: 'a',
    pin: null,
    expectedSessionId: 'b',
    expectedPin: null,
  },
  {
    name: 'watched ended kept without open',
    sessions: [ended('b'), ended('a')],
    watchedSessionId: 'a',
    pin: null,
    expectedSessionId: 'a',
    expectedPin: null,
  },
  {
    name: 'retired watched session replaced',
    sessions: [ended('b'), ended('a', false)],
    watchedSessionId: 'a',
    pin: null,
    expectedSessionId: 'b',
    expectedPin: null,
  },
  {
    name: 'unlisted watched session kept',
    sessions: [],
    watchedSessionId: 'a',
    pin: null,
    expectedSessionId: 'a',
    expectedPin: null,
  },
  {
    name: 'pinned ended kept over new open',
    sessions: [open('b'), ended('a')],
    watchedSessionId: 'a',
    pin: { sessionId: 'a', untilEnded: false },
    expectedSessionId: 'a',
    expectedPin: { sessionId: 'a', untilEnded: false },
  },
  {
    name: 'pinned open kept over newer open',
    sessions: [open('c'), open('b')],
    watchedSessionId: 'b',
    pin: { sessionId: 'b', untilEnded: true },
    expectedSessionId: 'b',
    expectedPin: { sessionId: 'b', untilEnded: true },
  },
  {
    name: 'lapsed pin yields to new open',
    sessions: [open('c'), ended('b')],
    watchedSessionId: 'b',
    pin: { sessionId: 'b', untilEnded: true },
    expectedSessionId: 'c',
    expectedPin: null,
  },
  {
    name: 'lapsed pin kept without open',
    sessions: [ended('b'), ended('a')],
    watchedSessionId: 'b',
    pin: { sessionId: 'b', untilEnded: true },
    expectedSessionId: 'b',
    expectedPin: null,
  },
  {
    name: 'unlisted pinned session kept',
    sessions: [open('c')],
    watchedSessionId: null,
    pin: { sessionId: 'from-address', untilEnded: false },
    expectedSessionId: 'from-address',
    expectedPin: { sessionId: 'from-address', untilEnded: false },
  },
];

for (const selectionCase of CASES) {
  test(`chooseSession: ${selectionCase.name}`, () => {
    const selection = chooseSession({ sessions: selectionCase.sessions, watchedSessionId: selectionCase.watchedSessionId, pin: selectionCase.pin });
    assert.is(selection.sessionId, selectionCase.expectedSessionId, 'session to watch');
    assert.equal(selection.pin, selectionCase.expectedPin, 'pin kept for the next refresh');
  });
}

test('chooseSession: exam ends then next opens', () => {
  // One console over a day: it follows an exam, keeps showing it after it ends, then moves on.
  let watched: string | null = null;
  let pin: SessionPin | null = null;
  const steps: { sessions: SessionSummary[]; expected: string | null }[] = [
    { sessions: [], expected: null },
    { sessions: [open('a')], expected: 'a' },
    { sessions: [ended('a')], expected: 'a' },
    { sessions: [open('b'), ended('a')], expected: 'b' },
    { sessions: [ended('b'), ended('a')], expected: 'b' },
  ];
  for (const [index, step] of steps.entries()) {
    const selection = chooseSession({ sessions: step.sessions, watchedSessionId: watched, pin });
    assert.is(selection.sessionId, step.expected, `step ${index}`);
    watched = selection.sessionId;
    pin = selection.pin;
  }
});

interface NoticeCase {
  name: string;
  sessions: SessionSummary[];
  pin: SessionPin | null;
  expectedSessionId: string | null;
}

const NOTICE_CASES: NoticeCase[] = [
  { name: 'no pin', sessions: [open('b'), ended('a')], pin: null, expectedSessionId: null },
  { name: 'pinned ended, no open', sessions: [ended('b'), ended('a')], pin: { sessionId: 'a', untilEnded: false }, expectedSessionId: null },
  { name: 'pinned ended, one open', sessions: [open('b'), ended('a')], pin: { sessionId: 'a', untilEnded: false }, expectedSessionId: 'b' },
  { name: 'pinned ended, newest of two', sessions: [open('c'), open('b'), ended('a')], pin: { sessionId: 'a', untilEnded: false }, expectedSessionId: 'c' },
  { name: 'pinned newest open', sessions: [open('c'), open('b')], pin: { sessionId: 'c', untilEnded: true }, expectedSessionId: null },
  { name: 'pinned older open', sessions: [open('c'), open('b')], pin: { sessionId: 'b', untilEnded: true }, expectedSessionId: 'c' },
  { name: 'pinned oldest of three', sessions: [open('d'), open('c'), open('b')], pin: { sessionId: 'b', untilEnded: true }, expectedSessionId: 'd' },
  { name: 'pinned retired session', sessions: [open('b'), ended('a', false)], pin: { sessionId: 'a', untilEnded: false }, expectedSessionId: 'b' },
  { name: 'pinned unlisted session', sessions: [open('c')], pin: { sessionId: 'from-address', untilEnded: false }, expectedSessionId: 'c' },
  { name: 'pinned unlisted, no open', sessions: [ended('b')], pin: { sessionId: 'from-address', untilEnded: false }, expectedSessionId: null },
  { name: 'empty list', sessions: [], pin: { sessionId: 'a', untilEnded: false }, expectedSessionId: null },
];

for (const noticeCase of NOTICE_CASES) {
  test(`findSessionToAnnounce: ${noticeCase.name}`, () => {
    const announced = findSessionToAnnounce({ sessions: noticeCase.sessions, pin: noticeCase.pin });
    assert.is(announced?.sessionId ?? null, noticeCase.expectedSessionId, 'session to announce');
    if (announced !== null) assert.is(announced.examId, `exam-${announced.sessionId}`, 'announced with its exam id');
  });
}

test('findSessionToAnnounce: review then new exam', () => {
  // A technologist pins the ended exam 'a' for review. A new exam opens, then the
  // technologist switches to it, which clears the pin.
  let watched: string | null = 'a';
  let pin: SessionPin | null = { sessionId: 'a', untilEnded: false };
  const steps: { sessions: SessionSummary[]; switchToAnnounced: boolean; expectedWatched: string | null; expectedAnnounced: string | null }[] = [
    { sessions: [ended('a')], switchToAnnounced: false, expectedWatched: 'a', expectedAnnounced: null },
    { sessions: [open('b'), ended('a')], switchToAnnounced: false, expectedWatched: 'a', expectedAnnounced: 'b' },
    { sessions: [open('b'), ended('a')], switchToAnnounced: true, expectedWatched: 'b', expectedAnnounced: null },
    { sessions: [open('c'), open('b'), ended('a')], switchToAnnounced: false, expectedWatched: 'b', expectedAnnounced: null },
  ];
  for (const [index, step] of steps.entries()) {
    const selection = chooseSession({ sessions: step.sessions, watchedSessionId: watched, pin });
    watched = selection.sessionId;
    pin = selection.pin;
    let announced = findSessionToAnnounce({ sessions: step.sessions, pin });
    if (step.switchToAnnounced) {
      assert.ok(announced !== null, `nothing to switch to at step ${index}`);
      // What the notice's button does.
      watched = announced.sessionId;
      pin = null;
      announced = findSessionToAnnounce({ sessions: step.sessions, pin });
    }
    assert.is(watched, step.expectedWatched, `watched at step ${index}`);
    assert.is(announced?.sessionId ?? null, step.expectedAnnounced, `announced at step ${index}`);
  }
});

test.run();
