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
  WireSlab,
} from '../wire.ts';

/** The earliest revision of a plan this console received, which adjustments are measured from. */
export interface PlanBaseline {
  planId: string;
  /** 0 when this console saw the planner's proposal; higher when it started watching later. */
  revision: number;
  slabs: WireSlab[];
}

export interface ConsoleState {
  session: SessionStateMessage | null;
  localizer: LocalizerMessage | null;
  segmentation: SegmentationMessage | null;
  plan: PlanMessage | null;
  /** Latest QC result per slab id, in arrival order. */
  qcResults: Record<string, WireQcResult>;
  /** Per QC result's slab id, the planned slab as it was when the result arrived, so a correction can be compared with it. */
  acquiredSlabs: Record<string, WireSlab>;
  baseline: PlanBaseline | null;
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
  acquiredSlabs: {},
  baseline: null,
  lastError: null,
  lastLatencyMs: null,
};

function isStalePlan(current: PlanMessage | null, incoming: PlanMessage): boolean {
  if (current === null) return false;
  return current.plan.planId === incoming.plan.planId && incoming.plan.revision < current.plan.revision;
}

function nextBaseline(current: PlanBaseline | null, message: PlanMessage): PlanBaseline {
  const { planId, revision, slabs } = message.plan;
  if (current !== null && current.planId === planId && current.revision <= revision) return current;
  return { planId, revision, slabs };
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
        baseline: replacesLocalizer ? null : base.baseline,
        qcResults: replacesLocalizer ? {} : base.qcResults,
        acquiredSlabs: replacesLocalizer ? {} : base.acquiredSlabs,
      };
    }
    case 'segmentation':
      return { ...base, segmentation: message };
    case 'plan':
      if (isStalePlan(base.plan, message)) return base;
      return { ...base, plan: message, baseline: nextBaseline(base.baseline, message), lastError: null };
    case 'qc.result': {
      const { slabId } = message.result;
      // The slab is acquired as planned, and a rescan replaces the planned slab only after its
      // result, so the planned slab at arrival is the one this result measured.
      const acquired = base.plan?.plan.slabs.find((slab) => slab.slabId === slabId);
      const acquiredSlabs = { ...base.acquiredSlabs };
      if (acquired !== undefined) acquiredSlabs[slabId] = acquired;
      return { ...base, qcResults: { ...base.qcResults, [slabId]: message.result }, acquiredSlabs };
    }
  }
}
