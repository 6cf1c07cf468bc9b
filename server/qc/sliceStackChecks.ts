/** Slice count, spacing, missing and repeated slices of the acquired stack. */
import type { Slab } from '../planning/types.ts';
import type { AcquiredStack } from './acquiredStack.ts';
import { formatAgainstLimit, formatNumber, gradeMax, gradedCheck, makeCheck } from './grading.ts';
import type { QcConfig } from './qcConfig.ts';
import type { QcCheck } from './types.ts';

/** A gap wider than this many planned spacings contains at least one missing slice. */
const GAP_FACTOR = 1.5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function gapsMm(stack: AcquiredStack): number[] {
  const gaps: number[] = [];
  for (let k = 1; k < stack.slices.length; k++) {
    gaps.push(stack.slices[k].positionAlongNormalMm - stack.slices[k - 1].positionAlongNormalMm);
  }
  return gaps;
}

export function checkSliceCount(stack: AcquiredStack, slab: Slab, config: QcConfig): QcCheck {
  const acquired = stack.slices.length;
  const difference = Math.abs(acquired - slab.sliceCount);
  const limits = config.maxSliceCountDifference;
  const verdict = gradeMax(difference, limits);
  return makeCheck({
    code: 'SLICE_COUNT',
    verdict,
    value: acquired,
    threshold: slab.sliceCount,
    unit: 'slices',
    message:
      verdict === 'pass'
        ? { en: `${acquired} slices acquired as planned.`, 'zh-CN': `已按计划采集 ${acquired} 层。` }
        : {
            en: `${acquired} distinct slice positions acquired, ${slab.sliceCount} planned for ${slab.level}.`,
            'zh-CN': `${slab.level} 采集到 ${acquired} 个不同层面位置，计划为 ${slab.sliceCount} 层。`,
          },
  });
}

export function checkSliceSpacing(stack: AcquiredStack, slab: Slab, config: QcConfig): QcCheck {
  const gaps = gapsMm(stack);
  if (gaps.length === 0) {
    return makeCheck({
      code: 'SLICE_SPACING',
      verdict: 'pass',
      value: null,
      threshold: null,
      unit: '%',
      message: { en: 'Slice spacing not measured: one slice position only.', 'zh-CN': '仅有一个层面位置，未测量层间距。' },
    });
  }
  const measuredMm = median(gaps);
  const errorPercent = (Math.abs(measuredMm - slab.sliceSpacingMm) / slab.sliceSpacingMm) * 100;
  const measured = formatNumber(measuredMm, 2);
  const thickness = slab.sliceThicknessMm.toFixed(1);
  const gap = formatNumber(slab.gapMm, 2);
  return gradedCheck({
    code: 'SLICE_SPACING',
    value: errorPercent,
    limits: config.maxSliceSpacingErrorPercent,
    worseWhen: 'larger',
    unit: '%',
    passMessage: {
      en: `Slice spacing ${measured} mm centre to centre, as planned: ${thickness} mm slices + ${gap} mm gap.`,
      'zh-CN': `层中心间距 ${measured} mm，符合计划：层厚 ${thickness} mm + 层间隔 ${gap} mm。`,
    },
    flaggedMessage: (limit) => ({
      en: `Slice spacing is ${measured} mm, planned ${slab.sliceSpacingMm} mm (${formatAgainstLimit(errorPercent, limit)}% off, limit ${limit}%).`,
      'zh-CN': `层间距为 ${measured} mm，计划为 ${slab.sliceSpacingMm} mm（偏差 ${formatAgainstLimit(errorPercent, limit)}%，限值 ${limit}%）。`,
    }),
  });
}

/** Counts missing slices: positions skipped inside the stack, or the shortfall against the plan when larger. */
export function countMissingSlices(stack: AcquiredStack, slab: Slab): number {
  let interior = 0;
  for (const gap of gapsMm(stack)) {
    if (gap > GAP_FACTOR * slab.sliceSpacingMm) interior += Math.round(gap / slab.sliceSpacingMm) - 1;
  }
  return Math.max(interior, slab.sliceCount - stack.slices.length);
}

export function checkMissingSlices(stack: AcquiredStack, slab: Slab, config: QcConfig): QcCheck {
  const missing = countMissingSlices(stack, slab);
  return gradedCheck({
    code: 'MISSING_SLICES',
    value: missing,
    limits: config.maxMissingSlices,
    worseWhen: 'larger',
    unit: 'slices',
    passMessage: { en: 'No slice missing.', 'zh-CN': '无缺失层面。' },
    flaggedMessage: () => ({
      en: `${missing} slice(s) of ${slab.level} missing: the stack has gaps or fewer images than planned. Rescan the slab.`,
      'zh-CN': `${slab.level} 缺失 ${missing} 层：层面之间有空缺或图像少于计划。请重新扫描该扫描块。`,
    }),
  });
}

export function checkDuplicateSlices(stack: AcquiredStack, config: QcConfig): QcCheck {
  const repeated = stack.repeatedSopInstanceUids.length + stack.repeatedPositionCount;
  const uids = stack.repeatedSopInstanceUids.slice(0, 3).join(', ');
  return gradedCheck({
    code: 'DUPLICATE_SLICES',
    value: repeated,
    limits: config.maxDuplicateSlices,
    worseWhen: 'larger',
    unit: 'images',
    passMessage: { en: 'No repeated slice.', 'zh-CN': '无重复层面。' },
    flaggedMessage: () => ({
      en:
        `${repeated} repeated image(s): ${stack.repeatedSopInstanceUids.length} with a SOP Instance UID already received` +
        (uids ? ` (${uids})` : '') +
        `, ${stack.repeatedPositionCount} at a slice position already acquired. Check the scanner's send queue.`,
      'zh-CN':
        `${repeated} 幅重复图像：${stack.repeatedSopInstanceUids.length} 幅 SOP Instance UID 重复` +
        (uids ? `（${uids}）` : '') +
        `，${stack.repeatedPositionCount} 幅位于已采集的层面位置。请检查扫描仪的发送队列。`,
    }),
  });
}
