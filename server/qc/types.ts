import type { MrImage, MrSeries } from '../dicom/types.ts';
import type { SegmentationResult } from '../inference/types.ts';
import type { Slab } from '../planning/types.ts';

export type Verdict = 'pass' | 'warn' | 'fail';

/** A message in every language the console ships. */
export interface LocalizedText {
  en: string;
  'zh-CN': string;
}

export interface QcCheck {
  /** Stable check code, such as `ANGLE_DEVIATION` or `SNR_LOW`. */
  code: string;
  verdict: Verdict;
  /** Measured value and threshold, in the unit named by `unit`. */
  value: number | null;
  threshold: number | null;
  unit: string;
  message: LocalizedText;
}

export interface QcResult {
  slabId: string;
  level: string;
  verdict: Verdict;
  checks: QcCheck[];
  /** On fail: the slab to acquire again, planned from the current anatomy. */
  correctedSlab: Slab | null;
  /** Small previews of acquired slices, PNG as base64, for the console. */
  thumbnails: string[];
  elapsedMs: number;
}

export interface QcInput {
  confirmedSlab: Slab;
  acquired: MrImage[];
  localizer: MrSeries;
  segmentation: SegmentationResult | null;
}

/** QC checker interface that the acquisition loop calls. */
export interface QcChecker {
  check(input: QcInput, signal?: AbortSignal): Promise<QcResult>;
}
