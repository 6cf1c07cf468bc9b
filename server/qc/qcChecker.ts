/**
 * The acquisition QC checker: runs every check on one acquired slab and returns the verdict,
 * the reasons, a corrected slab on fail and thumbnails. The work is synchronous CPU work in
 * stages. Between stages it yields to the event loop and honours the abort signal.
 */
import type { Vec3 } from '../geometry/types.ts';
import { analyzeAcquiredStack, validateSlab } from './acquiredStack.ts';
import { buildCorrectedSlab } from './correctedSlab.ts';
import { checkDiscAppearance } from './discAppearanceCheck.ts';
import { checkDiscCoverage, checkDiscLevel } from './discChecks.ts';
import { projectDiscs, validateSegmentationGrid } from './discProjection.ts';
import { checkSignalDropout } from './dropoutCheck.ts';
import { checkFrameOfReference } from './frameOfReferenceCheck.ts';
import { checkGhosting } from './ghostingCheck.ts';
import { worstVerdict } from './grading.ts';
import { analyzeImageRegions, phaseEncodingAxis, toPhaseFrequency } from './imageRegions.ts';
import { buildLocalizerGrid } from './localizerGrid.ts';
import { checkPatientMotion, estimateMotion } from './motionCheck.ts';
import { checkAngleDeviation, checkCenterOffsetAlongNormal, checkCenterOffsetInPlane, measureCenterOffset } from './placementChecks.ts';
import { resolveQcConfig, type QcConfig } from './qcConfig.ts';
import { checkDuplicateSlices, checkMissingSlices, checkSliceCount, checkSliceSpacing } from './sliceStackChecks.ts';
import { checkSnr } from './snrCheck.ts';
import { renderThumbnails } from './thumbnails.ts';
import type { QcCheck, QcChecker, QcInput, QcResult } from './types.ts';
import { checkWrapAround } from './wrapAroundCheck.ts';

/** Slices, around the centre of the stack, analysed for SNR, ghosting and wrap-around. */
const MAX_ANALYZED_SLICES = 3;

function yieldToEventLoop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      if (signal?.aborted) reject(signal.reason);
      else resolve();
    });
  });
}

/** Creates a checker with the shipped thresholds (`qc-config.json`) overlaid by `config`. */
export function createQcChecker(config: Partial<QcConfig> = {}): QcChecker {
  const resolved = resolveQcConfig(config);
  return {
    check: (input, signal) => runQc(input, resolved, signal),
  };
}

/**
 * Runs QC on one slab. Rejects with `QcInputError` for input that cannot be judged (no images,
 * an image without geometry, a segmentation on another grid) and with the signal's reason when aborted.
 */
export async function runQc(input: QcInput, config: QcConfig, signal?: AbortSignal): Promise<QcResult> {
  const startedAt = performance.now();
  signal?.throwIfAborted();
  const slab = input.confirmedSlab;
  validateSlab(slab);
  const stack = analyzeAcquiredStack(input.acquired, slab);
  const checks: QcCheck[] = [];

  const frameCheck = checkFrameOfReference(input.acquired, input.localizer);
  checks.push(frameCheck);
  const sameFrame = frameCheck.verdict === 'pass';

  let targetCentroidLpsMm: Vec3 | null = null;
  let motionShiftLpsMm: Vec3 | null = null;
  if (sameFrame) {
    const offset = measureCenterOffset(stack, slab);
    checks.push(
      checkAngleDeviation(stack, slab, config),
      checkCenterOffsetAlongNormal(offset, slab, config),
      checkCenterOffsetInPlane(offset, slab, config),
    );
  }
  checks.push(
    checkSliceCount(stack, slab, config),
    checkSliceSpacing(stack, slab, config),
    checkMissingSlices(stack, slab, config),
    checkDuplicateSlices(stack, config),
  );
  await yieldToEventLoop(signal);

  const centralSlice = stack.slices[Math.floor((stack.slices.length - 1) / 2)];
  if (sameFrame && slab.kind === 'axial-disc') {
    const segmentation = input.segmentation;
    if (segmentation !== null) {
      validateSegmentationGrid(segmentation, input.localizer);
      const projection = projectDiscs(stack, input.localizer, segmentation, slab.level, slab.sliceThicknessMm);
      targetCentroidLpsMm = projection.targetCentroidLpsMm;
      checks.push(checkDiscCoverage(projection, slab, config), checkDiscLevel(projection, slab, config));
    }
    checks.push(checkDiscAppearance(centralSlice, targetCentroidLpsMm ?? slab.centerLpsMm, slab.level, segmentation !== null));
    await yieldToEventLoop(signal);
  }

  if (sameFrame) {
    const grid = buildLocalizerGrid(input.localizer);
    const estimate = estimateMotion(stack, grid, config);
    checks.push(checkPatientMotion(estimate, config));
    motionShiftLpsMm = estimate?.shiftLpsMm ?? null;
    await yieldToEventLoop(signal);
  }

  const images = stack.slices.map((slice) => slice.image);
  // SNR, ghosting and wrap-around take the median or maximum over the central slices, which
  // keeps the verdict fast on thick stacks. Dropout compares every slice.
  const firstAnalyzed = Math.max(0, Math.floor((images.length - MAX_ANALYZED_SLICES) / 2));
  const analyzed = images.slice(firstAnalyzed, firstAnalyzed + MAX_ANALYZED_SLICES);
  const regions = analyzed.map((image) => analyzeImageRegions(toPhaseFrequency(image, phaseEncodingAxis(image, slab))));
  checks.push(checkSnr(regions, config), checkGhosting(regions, config), checkWrapAround(regions, config), checkSignalDropout(images, config));
  await yieldToEventLoop(signal);

  const verdict = worstVerdict(checks.map((check) => check.verdict));
  const correctedSlab = verdict === 'fail' ? buildCorrectedSlab(slab, { checks, targetCentroidLpsMm, motionShiftLpsMm }) : null;
  const thumbnails = renderThumbnails(images, config.thumbnailSizePx, config.maxThumbnails);
  return {
    slabId: slab.slabId,
    level: slab.level,
    verdict,
    checks,
    correctedSlab,
    thumbnails,
    elapsedMs: performance.now() - startedAt,
  };
}
