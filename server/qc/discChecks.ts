/** Anatomy checks from the localizer segmentation: target disc inside the slab, and at the right level. */
import type { Slab } from '../planning/types.ts';
import type { DiscProjection } from './discProjection.ts';
import { formatAgainstLimit, gradedCheck, makeCheck } from './grading.ts';
import type { QcConfig } from './qcConfig.ts';
import type { QcCheck } from './types.ts';

export function checkDiscCoverage(projection: DiscProjection, slab: Slab, config: QcConfig): QcCheck {
  if (projection.targetLabel === null || projection.targetVoxels === 0) {
    return makeCheck({
      code: 'DISC_COVERAGE',
      verdict: 'warn',
      value: null,
      threshold: config.minDiscCoveragePercent.warn,
      unit: '%',
      message: {
        en: `Disc ${slab.level} is not in the localizer segmentation, so its coverage cannot be checked. Confirm the level on the images.`,
        'zh-CN': `定位像分割结果中没有 ${slab.level} 椎间盘，无法检查覆盖范围。请在图像上确认节段。`,
      },
    });
  }
  const percent = (projection.targetVoxelsInside / projection.targetVoxels) * 100;
  const shown = formatAgainstLimit(percent, config.minDiscCoveragePercent.warn);
  return gradedCheck({
    code: 'DISC_COVERAGE',
    value: percent,
    limits: config.minDiscCoveragePercent,
    worseWhen: 'smaller',
    unit: '%',
    passMessage: { en: `${shown}% of disc ${slab.level} lies inside the slab.`, 'zh-CN': `${slab.level} 椎间盘的 ${shown}% 位于扫描块内。` },
    flaggedMessage: (limit, verdict) => {
      const flagged = formatAgainstLimit(percent, limit);
      if (verdict === 'fail') {
        return {
          en: `Only ${flagged}% of disc ${slab.level} lies inside the slab (limit ${limit}%). Rescan with the corrected slab.`,
          'zh-CN': `${slab.level} 椎间盘仅有 ${flagged}% 位于扫描块内（限值 ${limit}%）。请使用校正后的扫描块重新扫描。`,
        };
      }
      return {
        en: `Only ${flagged}% of disc ${slab.level} lies inside the slab (limit ${limit}%). Check on the images that the disc is covered, then accept, or rescan as planned.`,
        'zh-CN': `${slab.level} 椎间盘仅有 ${flagged}% 位于扫描块内（限值 ${limit}%）。请在图像上确认椎间盘已被覆盖，然后接受，或按原计划重新扫描。`,
      };
    },
  });
}

export function checkDiscLevel(projection: DiscProjection, slab: Slab, config: QcConfig): QcCheck {
  let total = 0;
  let otherName: string | null = null;
  let otherCount = 0;
  for (const [name, count] of projection.discVoxelsInsideByName) {
    total += count;
    if (name !== slab.level && count > otherCount) {
      otherName = name;
      otherCount = count;
    }
  }
  if (total === 0) {
    return makeCheck({
      code: 'DISC_LEVEL',
      verdict: projection.targetLabel === null ? 'warn' : 'fail',
      value: 0,
      threshold: config.minTargetLevelPercent.fail,
      unit: '%',
      message: {
        en: `No segmented disc lies inside the slab planned for ${slab.level}. The slab sits on a vertebral body or outside the spine.`,
        'zh-CN': `计划用于 ${slab.level} 的扫描块内没有已分割的椎间盘。扫描块可能位于椎体上或脊柱之外。`,
      },
    });
  }
  const targetCount = projection.discVoxelsInsideByName.get(slab.level) ?? 0;
  const percent = (targetCount / total) * 100;
  return gradedCheck({
    code: 'DISC_LEVEL',
    value: percent,
    limits: config.minTargetLevelPercent,
    worseWhen: 'smaller',
    unit: '%',
    passMessage: { en: `Slab shows disc ${slab.level}.`, 'zh-CN': `扫描块显示 ${slab.level} 椎间盘。` },
    flaggedMessage: (limit, verdict) => {
      const flagged = formatAgainstLimit(percent, limit);
      if (verdict === 'fail') {
        return {
          en: `Wrong level: the slab planned for ${slab.level} shows ${otherName} (${slab.level} is ${flagged}% of the disc tissue inside, limit ${limit}%). Rescan with the corrected slab.`,
          'zh-CN': `节段错误：计划用于 ${slab.level} 的扫描块显示 ${otherName}（扫描块内椎间盘组织中 ${slab.level} 占 ${flagged}%，限值 ${limit}%）。请使用校正后的扫描块重新扫描。`,
        };
      }
      return {
        en: `The slab planned for ${slab.level} also shows ${otherName} (${slab.level} is ${flagged}% of the disc tissue inside, limit ${limit}%). Check the level on the images, then accept, or rescan as planned.`,
        'zh-CN': `计划用于 ${slab.level} 的扫描块内还包含 ${otherName}（扫描块内椎间盘组织中 ${slab.level} 占 ${flagged}%，限值 ${limit}%）。请在图像上确认节段，然后接受，或按原计划重新扫描。`,
      };
    },
  });
}
