/**
 * The real actors of the exam machine: they look up the session's images and segmentation in
 * its `ExamRecord` and call the segmenter, planner and QC checker behind their interfaces.
 */
import { fromPromise } from 'xstate';

import type { SegmentationResult, Segmenter } from '../inference/types.ts';
import type { Plan, Planner, PlanningProtocol } from '../planning/types.ts';
import type { QcChecker, QcResult } from '../qc/types.ts';
import {
  examMachine,
  type AdjustPlanInput,
  type CheckSlabInput,
  type ProposePlanInput,
  type SegmentLocalizerInput,
} from './examMachine.ts';
import type { BuildSeries, ExamRecord } from './examRecord.ts';
import type { SegmentationSummary } from './examTypes.ts';
import { SessionError } from './sessionError.ts';

export interface ExamServices {
  segmenter: Segmenter;
  planner: Planner;
  qc: QcChecker;
  loadProtocol: (nameOrPath: string) => PlanningProtocol | Promise<PlanningProtocol>;
  buildSeries: BuildSeries;
  /** Called with each full segmentation before the machine receives its summary, for example to persist it. */
  onSegmentation?: (sessionId: string, result: SegmentationResult) => void;
}

export function summarizeSegmentation(result: SegmentationResult): SegmentationSummary {
  return {
    seriesInstanceUid: result.seriesInstanceUid,
    confidence: result.confidence,
    flags: result.flags,
    model: result.model,
    structureCount: result.structures.length,
  };
}

/**
 * Returns the exam machine with its actors bound to these services and to a session's record:
 * one record, or a lookup by session id. A lookup lets one provided machine serve every
 * session, because `provide` rebuilds every state node, which costs milliseconds per exam.
 */
export function provideExamActors(services: ExamServices, record: ExamRecord | ((sessionId: string) => ExamRecord)) {
  const recordOf = typeof record === 'function' ? record : () => record;
  return examMachine.provide({
    actors: {
      segmentLocalizer: fromPromise<SegmentationSummary, SegmentLocalizerInput>(async ({ input, signal }) => {
        const record = recordOf(input.sessionId);
        const localizer = await record.series(input.seriesInstanceUid, services.buildSeries);
        const result = await services.segmenter.segment(localizer, signal);
        record.setSegmentation(result);
        services.onSegmentation?.(input.sessionId, result);
        return summarizeSegmentation(result);
      }),

      proposePlan: fromPromise<Plan, ProposePlanInput>(async ({ input }) => {
        const record = recordOf(input.sessionId);
        const segmentation = record.segmentation;
        if (segmentation === null || segmentation.seriesInstanceUid !== input.seriesInstanceUid) {
          throw new SessionError(
            'ERR_SEGMENTATION_MISSING',
            `No segmentation of localizer ${input.seriesInstanceUid} is stored for session ${input.sessionId}. Request a re-plan to segment it again.`,
          );
        }
        const localizer = await record.series(input.seriesInstanceUid, services.buildSeries);
        const protocol = await services.loadProtocol(input.protocolName);
        return services.planner.propose({ segmentation, localizer, protocol });
      }),

      adjustPlan: fromPromise<Plan, AdjustPlanInput>(async ({ input }) => services.planner.adjust(input.plan, input.adjustment)),

      checkSlab: fromPromise<QcResult, CheckSlabInput>(async ({ input, signal }) => {
        const record = recordOf(input.sessionId);
        const acquired = await record.series(input.seriesInstanceUid, services.buildSeries);
        if (input.localizerSeriesUid === null) {
          throw new SessionError('ERR_LOCALIZER_MISSING', `Session ${input.sessionId} has no localizer to check slab ${input.slab.slabId} against. Run the sagittal localizer first.`);
        }
        const localizer = await record.series(input.localizerSeriesUid, services.buildSeries);
        return services.qc.check(
          { confirmedSlab: input.slab, acquired: acquired.images, localizer, segmentation: record.segmentation },
          signal,
        );
      }),
    },
  });
}

export type ProvidedExamMachine = ReturnType<typeof provideExamActors>;
