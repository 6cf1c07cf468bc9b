/**
 * The console's view of a session, built only from server messages so that every console
 * watching a session renders the same thing. `reduceServerMessage` is pure.
 */
import type {
  ConsoleOutbound,
  ErrorMessage,
  LocalizerMessage,
  PlanMessage,
  SegmentationMessage,
  SessionStateMessage,
  WireQcResult,
} from '../wire.ts';

export interface ConsoleState {
  session: SessionStateMessage | null;
  localizer: LocalizerMessage | null;
  segmentation: SegmentationMessage | null;
  plan: PlanMessage | null;
  /** Latest QC result per slab id, in arrival order. */
  qcResults: Record<string, WireQcResult>;
  /** The last error the server sent this console, cleared by the next plan or state change. */
  lastError: ErrorMessage | null;
  /**
   * The last `latencyMs` the server measured for this session. A state message that no inbound
   * event triggered, such as the snapshot a console gets when it starts watching, carries null
   * and keeps the earlier value.
   */
  lastLatencyMs: number | null;
}

export const EMPTY_CONSOLE_STATE: ConsoleState = {
  session: null,
  localizer: null,
  segmentation: null,
  plan: null,
  qcResults: {},
  lastError: null,
  lastLatencyMs: null,
};

function isStalePlan(current: PlanMessage | null, incoming: PlanMessage): boolean {
  if (current === null) return false;
  return current.plan.planId === incoming.plan.planId && incoming.plan.revision < current.plan.revision;
}

/** Applies one server message. Messages for another session than the one on screen reset the view first. */
export function reduceServerMessage(state: ConsoleState, message: ConsoleOutbound): ConsoleState {
  if (message.type === 'ack') return state;
  if (message.type === 'error') return { ...state, lastError: message };

  const base = state.session !== null && state.session.sessionId !== message.sessionId ? EMPTY_CONSOLE_STATE : state;

  switch (message.type) {
    case 'session.state':
      return { ...base, session: message, lastError: null, lastLatencyMs: message.latencyMs ?? base.lastLatencyMs };
    case 'localizer': {
      // The server sends the localizer after the rest of a resync, so only a localizer that
      // replaces an earlier one makes the plan and QC results stale.
      const replacesLocalizer = base.localizer !== null && base.localizer.seriesInstanceUid !== message.seriesInstanceUid;
      const segmentationMatches = base.segmentation === null || base.segmentation.seriesInstanceUid === message.seriesInstanceUid;
      return {
        ...base,
        localizer: message,
        segmentation: segmentationMatches ? base.segmentation : null,
        plan: replacesLocalizer ? null : base.plan,
        qcResults: replacesLocalizer ? {} : base.qcResults,
      };
    }
    case 'segmentation':
      return { ...base, segmentation: message };
    case 'plan':
      if (isStalePlan(base.plan, message)) return base;
      return { ...base, plan: message, lastError: null };
    case 'qc.result':
      return { ...base, qcResults: { ...base.qcResults, [message.result.slabId]: message.result } };
  }
}
