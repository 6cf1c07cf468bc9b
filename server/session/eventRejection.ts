/**
 * Explains why the exam machine did not accept an event, so the sender gets an `error` reply
 * that names the state and what the session expects. Pure: it reads the loop state and context.
 */
import type { ExamContext, ExamEvent } from './examTypes.ts';
import { SessionError } from './sessionError.ts';
import { currentSlabId, unknownSlabIds } from './slabQueue.ts';

/** Inbound message types each loop state acts on, besides `series.started`, `series.complete` and `exam.ended`. */
const EXPECTED_BY_STATE: Record<string, string[]> = {
  'localizer.waiting': ['series.started (role localizer)'],
  'localizer.receiving': ['images of the localizer', 'series.complete'],
  'localizer.timedOut': ['series.started (role localizer)', 'series.complete'],
  segmenting: ['a newer localizer'],
  'planning.proposing': ['a newer localizer'],
  'planning.awaitingTechnologist': ['plan.confirm', 'slab.adjust', 'plan.reject', 'replan.request'],
  'planning.adjusting': ['the adjusted plan, then plan.confirm or slab.adjust'],
  'planning.manual': ['replan.request', 'slab.acquisition.started', 'slab.acquisition.complete'],
  'acquisition.acquiringSlab': ['slab.acquisition.started', 'slab.acquisition.complete'],
  'acquisition.qcChecking': ['the QC result', 'slab.acquisition.complete of a later slab'],
  'acquisition.slabFailed': ['qc.acknowledge (accept or rescan)'],
  'acquisition.qcUnavailable': ['qc.acknowledge (accept or rescan)'],
  'acquisition.slabTimedOut': ['slab.acquisition.complete', 'qc.acknowledge (accept or rescan)'],
  complete: ['exam.ended'],
  ended: [],
};

export function expectedEvents(loopState: string): string[] {
  return EXPECTED_BY_STATE[loopState] ?? [];
}

function notExpected(loopState: string, event: ExamEvent): SessionError {
  const expected = expectedEvents(loopState);
  const list = expected.length === 0 ? 'nothing' : expected.join(', ');
  return new SessionError(
    'ERR_EVENT_NOT_EXPECTED',
    `${event.type} does not fit session state ${loopState}. The session expects ${list}.`,
    list,
  );
}

export function explainRejection(loopState: string, context: ExamContext, event: ExamEvent): SessionError {
  if (loopState === 'ended') {
    return new SessionError(
      'ERR_SESSION_ENDED',
      `${event.type} arrived after exam ${context.examId} ended. Start a new exam with exam.started.`,
      'exam.started',
    );
  }

  const plan = context.plan;
  if ((event.type === 'plan.confirm' || event.type === 'slab.adjust') && loopState === 'planning.awaitingTechnologist' && plan !== null) {
    if (event.planRevision !== plan.revision) {
      return new SessionError(
        'ERR_STALE_PLAN_REVISION',
        `${event.type} names plan revision ${event.planRevision}, but the current plan is revision ${plan.revision}. Review the current plan and send the action again.`,
        `planRevision ${plan.revision}`,
      );
    }
    const requested = event.type === 'plan.confirm' ? (event.slabIds ?? []) : [event.adjustment.slabId];
    const unknown = unknownSlabIds(plan, requested);
    if (unknown.length > 0) {
      const known = plan.slabs.map((slab) => slab.slabId).join(', ');
      return new SessionError(
        'ERR_UNKNOWN_SLAB',
        `Plan revision ${plan.revision} has no slab ${unknown.join(', ')}. Use one of ${known}.`,
        `one of ${known}`,
      );
    }
  }

  if (event.type === 'qc.acknowledge' && context.acquisition !== null) {
    const current = currentSlabId(context.acquisition);
    if (current !== null && current !== event.slabId && loopState.startsWith('acquisition.')) {
      return new SessionError(
        'ERR_WRONG_SLAB',
        `qc.acknowledge names slab ${event.slabId}, but the session waits for a decision on slab ${current}. Acknowledge slab ${current}.`,
        `slabId ${current}`,
      );
    }
  }

  if (event.type === 'replan.request' && loopState === 'planning.manual' && context.localizerSeriesUid === null) {
    return new SessionError(
      'ERR_NO_LOCALIZER',
      'replan.request needs a localizer, and this session has none yet. Run the sagittal localizer first.',
      'series.complete of a localizer',
    );
  }

  return notExpected(loopState, event);
}
