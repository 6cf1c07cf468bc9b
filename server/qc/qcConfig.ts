/**
 * QC thresholds. Defaults live in `qc-config.json` beside this file, and `docs/qc.md` gives the
 * reason for each number. A check is graded `warn` past its `warn` limit and `fail` past `fail`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { z } from 'zod';

import { QcInputError } from './errors.ts';

export const DEFAULT_QC_CONFIG_PATH = fileURLToPath(new URL('./qc-config.json', import.meta.url));

/** Warn and fail limits for a value where larger is worse. `fail` must not be below `warn`. */
const maxLimits = z
  .object({ warn: z.number().nonnegative(), fail: z.number().nonnegative() })
  .strict()
  .refine((limits) => limits.fail >= limits.warn, { message: 'fail must be greater than or equal to warn' });

/** Warn and fail limits for a value where smaller is worse. `fail` must not be above `warn`. */
const minLimits = z
  .object({ warn: z.number().nonnegative(), fail: z.number().nonnegative() })
  .strict()
  .refine((limits) => limits.fail <= limits.warn, { message: 'fail must be less than or equal to warn' });

export const qcConfigSchema = z
  .object({
    /** Angle between the acquired and the planned slice normal, degrees. */
    maxAngleDeviationDeg: maxLimits,
    /** Distance between acquired and planned slab centre along the planned normal, millimetres. */
    maxCenterOffsetAlongNormalMm: maxLimits,
    /** Distance between acquired and planned slab centre within the slice plane, millimetres. */
    maxCenterOffsetInPlaneMm: maxLimits,
    /** Relative error of the median centre-to-centre slice spacing, percent of the planned spacing. */
    maxSliceSpacingErrorPercent: maxLimits,
    /** Absolute difference between acquired (distinct positions) and planned slice count. */
    maxSliceCountDifference: maxLimits,
    /** Slice positions missing inside the acquired stack. */
    maxMissingSlices: maxLimits,
    /** Images repeating a SOP Instance UID or a slice position. */
    maxDuplicateSlices: maxLimits,
    /** Share of the target disc (localizer segmentation) inside the acquired slab, percent. */
    minDiscCoveragePercent: minLimits,
    /** Share of the target disc among all disc labels in the central slice, percent. */
    minTargetLevelPercent: minLimits,
    /** Mean object signal over the background noise standard deviation (Rayleigh corrected). */
    minSnr: minLimits,
    /** Excess signal in the background band along the phase direction, percent of object signal. */
    maxGhostingPercent: maxLimits,
    /** Object signal folded onto the opposite phase edge, percent of the object area. */
    maxWrapAroundPercent: maxLimits,
    /** Mean signal of the darkest slice over the median of the other slices. */
    minSliceSignalRatio: minLimits,
    /** Anatomy shift since the localizer, millimetres. */
    maxMotionShiftMm: maxLimits,
    /** Below this normalized cross-correlation the localizer comparison is reported as inconclusive. */
    minMotionCorrelation: z.number().min(-1).max(1),
    /** Largest in-plane shift the motion search tries, millimetres. */
    maxMotionSearchInPlaneMm: z.number().positive().max(100),
    /** Largest shift along the slice normal the motion search tries, millimetres. */
    maxMotionSearchAlongNormalMm: z.number().nonnegative().max(50),
    /** Cell size of the grid on which acquired slices and the resliced localizer are compared, millimetres. */
    motionGridStepMm: z.number().min(0.5).max(10),
    /** Size of each thumbnail's longer side, pixels. */
    thumbnailSizePx: z.number().int().min(16).max(512),
    /** Number of acquired slices rendered as thumbnails (0 disables them). */
    maxThumbnails: z.number().int().min(0).max(16),
  })
  .strict();

export type QcConfig = z.infer<typeof qcConfigSchema>;
export type QcLimits = QcConfig['maxAngleDeviationDeg'];

/** Validates a configuration object and throws `QcInputError` `ERR_INVALID_QC_CONFIG` naming each invalid field. */
export function parseQcConfig(value: unknown, source: string): QcConfig {
  const parsed = qcConfigSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new QcInputError(
      'ERR_INVALID_QC_CONFIG',
      `Invalid QC configuration in ${source}: ${problems.join('; ')}. Fix these fields; ${DEFAULT_QC_CONFIG_PATH} lists every field with its default.`,
    );
  }
  return parsed.data;
}

/** Reads and validates a QC configuration file (JSON), by default the shipped one. */
export function loadQcConfig(path: string = DEFAULT_QC_CONFIG_PATH): QcConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new QcInputError(
      'ERR_INVALID_QC_CONFIG',
      `Cannot read QC configuration ${path}: ${error instanceof Error ? error.message : String(error)}. Pass the path of an existing JSON file.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new QcInputError(
      'ERR_INVALID_QC_CONFIG',
      `QC configuration ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}.`,
    );
  }
  return parseQcConfig(json, path);
}

/** Overlays `overrides` on the shipped defaults and validates the result. */
export function resolveQcConfig(overrides: Partial<QcConfig> = {}): QcConfig {
  return parseQcConfig({ ...loadQcConfig(), ...overrides }, 'the options passed to createQcChecker');
}
