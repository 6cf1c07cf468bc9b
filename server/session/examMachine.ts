/**
 * The acquisition loop of one exam, as an XState v5 machine.
 *
 * The `loop` region walks the exam: wait for the sagittal localizer, segment it, propose a
 * plan, let the technologist confirm, adjust or reject it, send the confirmed slabs to the
 * scanner, check each acquired slab, and finish. The `scanner` and `consoles` regions track
 * the connections, so that a dropped link leaves the loop's state as it was.
 *
 * A restarted server restores the persisted snapshot without its running actors and timers,
 * then sends `session.restored`: every state that waits on a timer or an actor re-enters
 * itself, so its actor runs again and its timeout starts again from zero.
 *
 * Segmentation, planning and QC are promise actors. This file declares them with placeholders
 * that reject; `provideExamActors` in `examActors.ts` supplies the real ones, and tests supply
 * test doubles through the same `machine.provide` call.
 */
import { and, assign, emit, fromPromise, not, setup } from 'xstate';

import type { Plan, Slab, SlabAdjustment } from '../planning/types.ts';
import type { QcResult } from '../qc/types.ts';
import {
  DEFAULT_EXAM_LIMITS,
  type ExamContext,
  type ExamEmitted,
  type ExamEvent,
  type ExamInput,
  type SegmentationSummary,
} from './examTypes.ts';
import {
  emptyPlan,
  lowConfidence,
  planningFailed,
  qcFailedToRun,
  segmentationFailed,
  technologistRejected,
  timedOut,
} from './loopReasons.ts';
import {
  advanceAcquisition,
  allSlabsConfirmed,
  confirmSlabs,
  currentSlabId,
  findSlab,
  forgetCompletedSeries,
  hasMoreSlabs,
  pendingSlabIds,
  replaceSlab,
  startAcquisition,
  unknownSlabIds,
} from './slabQueue.ts';

export interface SegmentLocalizerInput {
  sessionId: string;
  seriesInstanceUid: string;
}

export interface ProposePlanInput {
  sessionId: string;
  seriesInstanceUid: string;
  protocolName: string;
}

export interface AdjustPlanInput {
  plan: Plan;
  adjustment: SlabAdjustment;
}

export interface CheckSlabInput {
  sessionId: string;
  slab: Slab;
  seriesInstanceUid: string;
  localizerSeriesUid: string | null;
}

function placeholder<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(async () => {
    throw new Error(`the exam machine actor "${name}" has no implementation; pass it with provideExamActors()`);
  });
}

export const examMachine = setup({
  types: {
    context: {} as ExamContext,
    events: {} as ExamEvent,
    input: {} as ExamInput,
    emitted: {} as ExamEmitted,
  },
  actors: {
    segmentLocalizer: placeholder<SegmentationSummary, SegmentLocalizerInput>('segmentLocalizer'),
    proposePlan: placeholder<Plan, ProposePlanInput>('proposePlan'),
    adjustPlan: placeholder<Plan, AdjustPlanInput>('adjustPlan'),
    checkSlab: placeholder<QcResult, CheckSlabInput>('checkSlab'),
  },
  delays: {
    localizerWait: ({ context }) => context.limits.maxLocalizerWaitMs,
    segmentationTimeout: ({ context }) => context.limits.maxSegmentationMs,
    planningTimeout: ({ context }) => context.limits.maxPlanningMs,
    slabAcquisitionWait: ({ context }) => context.limits.maxSlabAcquisitionMs,
    qcTimeout: ({ context }) => context.limits.maxQcMs,
    scannerReconnectWait: ({ context }) => context.limits.maxScannerReconnectWaitMs,
  },
  guards: {
    startsLocalizer: ({ event }) => event.type === 'series.started' && event.role === 'localizer',
    completesLocalizer: ({ context, event }) =>
      event.type === 'series.complete' && context.series[event.seriesInstanceUid]?.role === 'localizer',
    isConfident: ({ context }, { summary }: { summary: SegmentationSummary }) => {
      const flaggedLow = summary.flags.some((flag) => flag.code === 'LOW_CONFIDENCE');
      return !flaggedLow && summary.confidence >= context.limits.minSegmentationConfidence;
    },
    planHasSlabs: (_, { plan }: { plan: Plan }) => plan.slabs.length > 0,
    confirmsCurrentPlan: ({ context, event }) =>
      event.type === 'plan.confirm' &&
      context.plan !== null &&
      event.planRevision === context.plan.revision &&
      unknownSlabIds(context.plan, event.slabIds ?? []).length === 0,
    completesConfirmation: ({ context, event }) =>
      event.type === 'plan.confirm' &&
      context.plan !== null &&
      allSlabsConfirmed(context.plan, confirmSlabs(context.plan, context.confirmedSlabIds, event.slabIds)),
    adjustsCurrentPlan: ({ context, event }) =>
      event.type === 'slab.adjust' &&
      context.plan !== null &&
      event.planRevision === context.plan.revision &&
      findSlab(context.plan, event.adjustment.slabId) !== null,
    hasSegmentation: ({ context }) => context.segmentation !== null && context.localizerSeriesUid !== null,
    hasLocalizer: ({ context }) => context.localizerSeriesUid !== null,
    belongsToAcquisition: ({ context, event }) =>
      event.type === 'slab.acquisition.complete' && (context.acquisition?.slabIds.includes(event.slabId) ?? false),
    completesCurrentSlab: ({ context, event }) =>
      event.type === 'slab.acquisition.complete' &&
      context.acquisition !== null &&
      currentSlabId(context.acquisition) === event.slabId,
    currentSlabAlreadyAcquired: ({ context }) => {
      const acquisition = context.acquisition;
      if (acquisition === null) return false;
      const slabId = currentSlabId(acquisition);
      return slabId !== null && slabId in acquisition.completedSeries;
    },
    qcFailed: (_, { result }: { result: QcResult }) => result.verdict === 'fail',
    acceptsCurrentSlab: ({ context, event }) =>
      event.type === 'qc.acknowledge' &&
      event.action === 'accept' &&
      context.acquisition !== null &&
      currentSlabId(context.acquisition) === event.slabId,
    rescansCurrentSlab: ({ context, event }) =>
      event.type === 'qc.acknowledge' &&
      event.action === 'rescan' &&
      context.acquisition !== null &&
      currentSlabId(context.acquisition) === event.slabId,
    hasMoreSlabs: ({ context }) => context.acquisition !== null && hasMoreSlabs(context.acquisition),
    hasConsoles: ({ context }) => context.consoleCount > 0,
  },
  actions: {
    recordSeriesStart: assign({
      series: ({ context, event }) => {
        if (event.type !== 'series.started') return context.series;
        return {
          ...context.series,
          [event.seriesInstanceUid]: {
            role: event.role,
            slabId: event.slabId ?? null,
            expectedImages: event.expectedImages ?? null,
            completedImageCount: null,
          },
        };
      },
    }),
    recordSeriesComplete: assign({
      series: ({ context, event }) => {
        if (event.type !== 'series.complete') return context.series;
        const started = context.series[event.seriesInstanceUid];
        const progress = started ?? { role: 'sagittal' as const, slabId: null, expectedImages: null, completedImageCount: null };
        return { ...context.series, [event.seriesInstanceUid]: { ...progress, completedImageCount: event.imageCount } };
      },
    }),
    selectLocalizer: assign({
      localizerSeriesUid: ({ context, event }) =>
        event.type === 'series.complete' ? event.seriesInstanceUid : context.localizerSeriesUid,
      segmentation: null,
      plan: null,
      confirmedSlabIds: [],
    }),
    emitLocalizer: emit(({ context }) => ({
      type: 'localizer.selected' as const,
      seriesInstanceUid: context.localizerSeriesUid ?? '',
    })),
    recordSegmentation: assign((_, { summary }: { summary: SegmentationSummary }) => ({ segmentation: summary })),
    emitSegmentation: emit(({ context }) => ({
      type: 'segmentation.ready' as const,
      seriesInstanceUid: context.segmentation?.seriesInstanceUid ?? '',
    })),
    recordPlan: assign(({ context }, { plan }: { plan: Plan }) => {
      // An adjustment keeps the other slabs' confirmations; the adjusted slab must be confirmed again.
      const adjusted = context.pendingAdjustment?.slabId ?? null;
      const keepsConfirmations = adjusted !== null && context.plan?.planId === plan.planId;
      return {
        plan,
        confirmedSlabIds: keepsConfirmations ? context.confirmedSlabIds.filter((slabId) => slabId !== adjusted) : [],
        pendingAdjustment: null,
      };
    }),
    emitPlan: emit(({ context }) => ({ type: 'plan.updated' as const, revision: context.plan?.revision ?? 0 })),
    recordConfirmation: assign({
      confirmedSlabIds: ({ context, event }) => {
        if (event.type !== 'plan.confirm' || context.plan === null) return context.confirmedSlabIds;
        return confirmSlabs(context.plan, context.confirmedSlabIds, event.slabIds);
      },
    }),
    recordAdjustmentRequest: assign({
      pendingAdjustment: ({ context, event }) => (event.type === 'slab.adjust' ? event.adjustment : context.pendingAdjustment),
    }),
    reportAdjustmentFailure: emit(({ context }, { error }: { error: unknown }) => ({
      type: 'adjustment.failed' as const,
      slabId: context.pendingAdjustment?.slabId ?? '',
      message: planningFailed(error).message,
    })),
    clearAdjustmentRequest: assign({ pendingAdjustment: null }),
    startAcquisition: assign({
      acquisition: ({ context }) => (context.plan === null ? null : startAcquisition(context.plan, context.confirmedSlabIds)),
    }),
    emitPlanApply: emit(({ context }) => ({
      type: 'plan.apply' as const,
      planId: context.plan?.planId ?? '',
      planRevision: context.plan?.revision ?? 0,
      slabIds: context.acquisition === null ? [] : pendingSlabIds(context.acquisition),
    })),
    recordSlabComplete: assign({
      acquisition: ({ context, event }) => {
        if (event.type !== 'slab.acquisition.complete' || context.acquisition === null) return context.acquisition;
        return {
          ...context.acquisition,
          completedSeries: { ...context.acquisition.completedSeries, [event.slabId]: event.seriesInstanceUid },
        };
      },
    }),
    recordSlabStart: assign({
      lastSlabStarted: ({ context, event }) =>
        event.type === 'slab.acquisition.started'
          ? { slabId: event.slabId, seriesInstanceUid: event.seriesInstanceUid }
          : context.lastSlabStarted,
    }),
    recordManualSlab: assign({
      manualSlabSeries: ({ context, event }) =>
        event.type === 'slab.acquisition.complete'
          ? { ...context.manualSlabSeries, [event.slabId]: event.seriesInstanceUid }
          : context.manualSlabSeries,
    }),
    recordQcResult: assign(({ context }, { result }: { result: QcResult }) => ({
      qcResults: { ...context.qcResults, [result.slabId]: result },
    })),
    emitQcResult: emit((_, { result }: { result: QcResult }) => ({ type: 'qc.reported' as const, slabId: result.slabId })),
    advanceToNextSlab: assign({
      acquisition: ({ context }) => (context.acquisition === null ? null : advanceAcquisition(context.acquisition)),
    }),
    prepareRescan: assign(({ context }) => {
      const acquisition = context.acquisition;
      const slabId = acquisition === null ? null : currentSlabId(acquisition);
      if (acquisition === null || slabId === null || context.plan === null) return {};
      const corrected = context.qcResults[slabId]?.correctedSlab ?? null;
      const plan = corrected === null ? context.plan : replaceSlab(context.plan, slabId, corrected, new Date().toISOString());
      return {
        plan,
        acquisition: { ...forgetCompletedSeries(acquisition, slabId), planRevision: plan.revision },
      };
    }),
    clearReason: assign({ reason: null }),
    recordConsoleCount: assign({
      consoleCount: ({ context, event }) => (event.type === 'consoles.changed' ? event.consoleCount : context.consoleCount),
    }),
    recordEnd: assign({
      endReason: ({ event }) => (event.type === 'exam.ended' ? event.reason : 'aborted'),
    }),
  },
}).createMachine({
  id: 'exam',
  type: 'parallel',
  context: ({ input }) => ({
    sessionId: input.sessionId,
    examId: input.examId,
    protocolName: input.protocolName,
    patientPosition: input.patientPosition,
    limits: { ...DEFAULT_EXAM_LIMITS, ...input.limits },
    series: {},
    localizerSeriesUid: null,
    segmentation: null,
    plan: null,
    confirmedSlabIds: [],
    pendingAdjustment: null,
    acquisition: null,
    qcResults: {},
    lastSlabStarted: null,
    manualSlabSeries: {},
    reason: null,
    scannerLostReason: null,
    consoleCount: 0,
    endReason: null,
  }),
  states: {
    loop: {
      initial: 'localizer',
      on: {
        'series.started': { actions: 'recordSeriesStart' },
        'series.complete': { actions: 'recordSeriesComplete' },
        'exam.ended': { target: '.ended', actions: 'recordEnd' },
      },
      states: {
        localizer: {
          initial: 'waiting',
          on: {
            'series.complete': {
              guard: 'completesLocalizer',
              target: 'segmenting',
              actions: ['recordSeriesComplete', 'selectLocalizer', 'emitLocalizer'],
            },
          },
          states: {
            waiting: {
              on: {
                'series.started': { guard: 'startsLocalizer', target: 'receiving', actions: 'recordSeriesStart' },
              },
            },
            receiving: {
              after: { localizerWait: 'timedOut' },
              on: { 'session.restored': { target: 'receiving', reenter: true } },
            },
            timedOut: {
              entry: assign({
                reason: ({ context }) =>
                  timedOut('LOCALIZER_TIMED_OUT', 'waiting for the localizer images', context.limits.maxLocalizerWaitMs),
              }),
              exit: 'clearReason',
              on: {
                'series.started': { guard: 'startsLocalizer', target: 'receiving', actions: 'recordSeriesStart' },
              },
            },
          },
        },

        segmenting: {
          invoke: {
            src: 'segmentLocalizer',
            input: ({ context }) => ({ sessionId: context.sessionId, seriesInstanceUid: context.localizerSeriesUid ?? '' }),
            onDone: [
              {
                guard: { type: 'isConfident', params: ({ event }) => ({ summary: event.output }) },
                target: 'planning',
                actions: [{ type: 'recordSegmentation', params: ({ event }) => ({ summary: event.output }) }, 'emitSegmentation'],
              },
              {
                target: 'planning.manual',
                actions: [
                  { type: 'recordSegmentation', params: ({ event }) => ({ summary: event.output }) },
                  'emitSegmentation',
                  assign({ reason: ({ context, event }) => lowConfidence(event.output, context.limits) }),
                ],
              },
            ],
            onError: {
              target: 'planning.manual',
              actions: assign({ reason: ({ event }) => segmentationFailed(event.error) }),
            },
          },
          after: {
            segmentationTimeout: {
              target: 'planning.manual',
              actions: assign({
                reason: ({ context }) =>
                  timedOut('SEGMENTATION_TIMED_OUT', 'segmentation of the localizer', context.limits.maxSegmentationMs),
              }),
            },
          },
          on: {
            'session.restored': { target: 'segmenting', reenter: true },
            // A newer localizer (the patient moved) replaces the one being segmented.
            'series.complete': {
              guard: 'completesLocalizer',
              target: 'segmenting',
              reenter: true,
              actions: ['recordSeriesComplete', 'selectLocalizer', 'emitLocalizer'],
            },
          },
        },

        planning: {
          initial: 'proposing',
          on: {
            'series.complete': {
              guard: 'completesLocalizer',
              target: 'segmenting',
              actions: ['recordSeriesComplete', 'selectLocalizer', 'emitLocalizer'],
            },
          },
          states: {
            proposing: {
              invoke: {
                src: 'proposePlan',
                input: ({ context }) => ({
                  sessionId: context.sessionId,
                  seriesInstanceUid: context.localizerSeriesUid ?? '',
                  protocolName: context.protocolName,
                }),
                onDone: [
                  {
                    guard: { type: 'planHasSlabs', params: ({ event }) => ({ plan: event.output }) },
                    target: 'awaitingTechnologist',
                    actions: [{ type: 'recordPlan', params: ({ event }) => ({ plan: event.output }) }, 'emitPlan'],
                  },
                  {
                    target: 'manual',
                    actions: assign({ reason: ({ context }) => emptyPlan(context.protocolName) }),
                  },
                ],
                onError: {
                  target: 'manual',
                  actions: assign({ reason: ({ event }) => planningFailed(event.error) }),
                },
              },
              on: { 'session.restored': { target: 'proposing', reenter: true } },
              after: {
                planningTimeout: {
                  target: 'manual',
                  actions: assign({
                    reason: ({ context }) => timedOut('PLANNING_TIMED_OUT', 'planning', context.limits.maxPlanningMs),
                  }),
                },
              },
            },

            awaitingTechnologist: {
              on: {
                'plan.confirm': [
                  {
                    guard: and(['confirmsCurrentPlan', 'completesConfirmation']),
                    target: '#exam.loop.acquisition',
                    actions: ['recordConfirmation', 'emitPlan'],
                  },
                  { guard: 'confirmsCurrentPlan', actions: ['recordConfirmation', 'emitPlan'] },
                ],
                'slab.adjust': { guard: 'adjustsCurrentPlan', target: 'adjusting', actions: 'recordAdjustmentRequest' },
                'plan.reject': {
                  target: 'manual',
                  actions: assign({ reason: ({ event }) => technologistRejected(event.reason) }),
                },
                'replan.request': { target: 'proposing' },
              },
            },

            adjusting: {
              invoke: {
                src: 'adjustPlan',
                input: ({ context }) => ({
                  plan: context.plan as Plan,
                  adjustment: context.pendingAdjustment as SlabAdjustment,
                }),
                onDone: {
                  target: 'awaitingTechnologist',
                  actions: [{ type: 'recordPlan', params: ({ event }) => ({ plan: event.output }) }, 'emitPlan'],
                },
                onError: {
                  target: 'awaitingTechnologist',
                  actions: [{ type: 'reportAdjustmentFailure', params: ({ event }) => ({ error: event.error }) }, 'clearAdjustmentRequest'],
                },
              },
              on: { 'session.restored': { target: 'adjusting', reenter: true } },
              after: {
                planningTimeout: {
                  target: 'awaitingTechnologist',
                  actions: [
                    emit(({ context }) => ({
                      type: 'adjustment.failed' as const,
                      slabId: context.pendingAdjustment?.slabId ?? '',
                      message: timedOut('PLANNING_TIMED_OUT', 'adjusting the slab', context.limits.maxPlanningMs).message,
                    })),
                    'clearAdjustmentRequest',
                  ],
                },
              },
            },

            manual: {
              exit: 'clearReason',
              on: {
                'replan.request': [
                  { guard: 'hasSegmentation', target: 'proposing' },
                  { guard: 'hasLocalizer', target: '#exam.loop.segmenting' },
                ],
                // The technologist plans on the scanner; its manual slabs are recorded but not checked.
                'slab.acquisition.started': { actions: 'recordSlabStart' },
                'slab.acquisition.complete': { actions: 'recordManualSlab' },
              },
            },
          },
        },

        acquisition: {
          initial: 'acquiringSlab',
          entry: ['startAcquisition', 'emitPlanApply'],
          on: {
            'slab.acquisition.started': { actions: 'recordSlabStart' },
            // The scanner may finish later slabs while an earlier one is still in QC.
            'slab.acquisition.complete': { guard: 'belongsToAcquisition', actions: 'recordSlabComplete' },
          },
          states: {
            acquiringSlab: {
              always: { guard: 'currentSlabAlreadyAcquired', target: 'qcChecking' },
              after: {
                slabAcquisitionWait: {
                  target: 'slabTimedOut',
                  actions: assign({
                    reason: ({ context }) =>
                      timedOut('SLAB_ACQUISITION_TIMED_OUT', 'waiting for the slab acquisition', context.limits.maxSlabAcquisitionMs),
                  }),
                },
              },
              on: {
                'slab.acquisition.complete': { guard: 'completesCurrentSlab', target: 'qcChecking', actions: 'recordSlabComplete' },
                'session.restored': { target: 'acquiringSlab', reenter: true },
              },
            },

            qcChecking: {
              on: { 'session.restored': { target: 'qcChecking', reenter: true } },
              invoke: {
                src: 'checkSlab',
                input: ({ context }) => {
                  const acquisition = context.acquisition;
                  const slabId = acquisition === null ? null : currentSlabId(acquisition);
                  return {
                    sessionId: context.sessionId,
                    slab: findSlab(context.plan, slabId ?? '') as Slab,
                    seriesInstanceUid: acquisition !== null && slabId !== null ? (acquisition.completedSeries[slabId] ?? '') : '',
                    localizerSeriesUid: context.localizerSeriesUid,
                  };
                },
                onDone: [
                  {
                    guard: { type: 'qcFailed', params: ({ event }) => ({ result: event.output }) },
                    target: 'slabFailed',
                    actions: [
                      { type: 'recordQcResult', params: ({ event }) => ({ result: event.output }) },
                      { type: 'emitQcResult', params: ({ event }) => ({ result: event.output }) },
                    ],
                  },
                  {
                    target: 'nextSlab',
                    actions: [
                      { type: 'recordQcResult', params: ({ event }) => ({ result: event.output }) },
                      { type: 'emitQcResult', params: ({ event }) => ({ result: event.output }) },
                    ],
                  },
                ],
                onError: {
                  target: 'qcUnavailable',
                  actions: assign({ reason: ({ event }) => qcFailedToRun(event.error) }),
                },
              },
              after: {
                qcTimeout: {
                  target: 'qcUnavailable',
                  actions: assign({
                    reason: ({ context }) => timedOut('QC_TIMED_OUT', 'QC of the slab', context.limits.maxQcMs),
                  }),
                },
              },
            },

            // QC failed: the technologist keeps the slab or rescans it with the corrected geometry.
            slabFailed: {
              on: {
                'qc.acknowledge': [
                  { guard: 'acceptsCurrentSlab', target: 'nextSlab' },
                  { guard: 'rescansCurrentSlab', target: 'acquiringSlab', actions: ['prepareRescan', 'emitPlan', 'emitPlanApply'] },
                ],
              },
            },

            qcUnavailable: {
              exit: 'clearReason',
              on: {
                'qc.acknowledge': [
                  { guard: 'acceptsCurrentSlab', target: 'nextSlab' },
                  { guard: 'rescansCurrentSlab', target: 'acquiringSlab', actions: ['prepareRescan', 'emitPlanApply'] },
                ],
              },
            },

            slabTimedOut: {
              exit: 'clearReason',
              on: {
                'slab.acquisition.complete': { guard: 'completesCurrentSlab', target: 'qcChecking', actions: 'recordSlabComplete' },
                'qc.acknowledge': [
                  { guard: 'acceptsCurrentSlab', target: 'nextSlab' },
                  { guard: 'rescansCurrentSlab', target: 'acquiringSlab', actions: ['prepareRescan', 'emitPlanApply'] },
                ],
              },
            },

            nextSlab: {
              entry: 'advanceToNextSlab',
              always: [{ guard: 'hasMoreSlabs', target: 'acquiringSlab' }, { target: '#exam.loop.complete' }],
            },
          },
        },

        complete: {},

        ended: { type: 'final' },
      },
    },

    scanner: {
      initial: 'connected',
      states: {
        connected: {
          on: { 'scanner.disconnected': 'disconnected' },
        },
        disconnected: {
          on: {
            'scanner.connected': 'connected',
            'session.restored': { target: 'disconnected', reenter: true },
          },
          after: { scannerReconnectWait: 'lost' },
        },
        lost: {
          entry: assign({
            scannerLostReason: ({ context }) =>
              timedOut('SCANNER_LOST', 'waiting for the scanner to reconnect', context.limits.maxScannerReconnectWaitMs),
          }),
          exit: assign({ scannerLostReason: null }),
          on: { 'scanner.connected': 'connected' },
        },
      },
    },

    consoles: {
      initial: 'unwatched',
      on: {
        'consoles.changed': { actions: 'recordConsoleCount' },
      },
      states: {
        unwatched: { always: { guard: 'hasConsoles', target: 'watched' } },
        watched: { always: { guard: not('hasConsoles'), target: 'unwatched' } },
      },
    },
  },
});

export type ExamMachine = typeof examMachine;
