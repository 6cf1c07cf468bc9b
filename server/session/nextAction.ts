/**
 * The one next thing the technologist should do, in English and Simplified Chinese, derived
 * from the loop state, the scanner link and the machine context. Pure, so the console and the
 * tests read the same text.
 */
import type { LocalizedTextWire } from '../transport/protocol.ts';
import type { ExamContext } from './examTypes.ts';
import { currentSlabId, findSlab } from './slabQueue.ts';
import type { ScannerLinkState } from './stateName.ts';

export interface NextAction {
  /** Stable code the console can branch on, such as `REVIEW_PLAN`. */
  code: string;
  text: LocalizedTextWire;
}

/** Reason codes in Chinese; English reasons come from the message the machine recorded. */
const REASON_ZH: Record<string, string> = {
  LOW_CONFIDENCE: '分割置信度过低',
  SEGMENTATION_FAILED: '分割失败',
  SEGMENTATION_TIMED_OUT: '分割超时',
  PLANNING_FAILED: '规划失败',
  PLANNING_TIMED_OUT: '规划超时',
  EMPTY_PLAN: '规划结果中没有扫描块',
  PLAN_REJECTED: '技师拒绝了计划',
};

/** Loop states in which the next step happens on the scanner, so a missing scanner blocks it. */
const SCANNER_STEPS = new Set(['localizer.waiting', 'localizer.receiving', 'localizer.timedOut', 'acquisition.acquiringSlab', 'complete']);

function action(code: string, en: string, zh: string): NextAction {
  return { code, text: { en, 'zh-CN': zh } };
}

function currentSlabLabel(context: ExamContext): { level: string; position: number; total: number } {
  const acquisition = context.acquisition;
  const slabId = acquisition === null ? null : currentSlabId(acquisition);
  const slab = slabId === null ? null : findSlab(context.plan, slabId);
  return {
    level: slab?.level ?? slabId ?? '?',
    position: (acquisition?.currentIndex ?? 0) + 1,
    total: acquisition?.slabIds.length ?? 0,
  };
}

export function nextAction(loopState: string, scanner: ScannerLinkState, context: ExamContext): NextAction {
  if (loopState === 'ended') {
    return action('EXAM_ENDED', 'The exam has ended.', '检查已结束。');
  }
  if (scanner === 'lost') {
    const seconds = Math.round(context.limits.maxScannerReconnectWaitMs / 1000);
    return action(
      'SCANNER_LOST',
      `The scanner has been disconnected for more than ${seconds} s: check the scanner link.`,
      `扫描仪已断开超过 ${seconds} 秒：请检查扫描仪连接。`,
    );
  }
  if (scanner === 'disconnected' && SCANNER_STEPS.has(loopState)) {
    return action('WAIT_FOR_SCANNER', 'Waiting for the scanner to reconnect.', '正在等待扫描仪重新连接。');
  }

  switch (loopState) {
    case 'localizer.waiting':
      return action('RUN_LOCALIZER', 'Run the sagittal localizer on the scanner.', '请在扫描仪上执行矢状位定位像扫描。');
    case 'localizer.receiving':
      return action('WAIT_FOR_LOCALIZER', 'Localizer images are arriving: wait for the series to complete.', '定位像正在传输，请等待序列完成。');
    case 'localizer.timedOut':
      return action('REPEAT_LOCALIZER', 'Localizer images stopped arriving: repeat the localizer.', '定位像图像中断，请重新扫描定位像。');
    case 'segmenting':
      return action('WAIT_FOR_SEGMENTATION', 'Segmenting the localizer. The plan follows.', '正在分割定位像，随后生成扫描计划。');
    case 'planning.proposing':
      return action('WAIT_FOR_PLAN', 'Planning the slabs.', '正在规划扫描扫描块。');
    case 'planning.awaitingTechnologist': {
      const total = context.plan?.slabs.length ?? 0;
      const confirmed = context.confirmedSlabIds.length;
      return action(
        'REVIEW_PLAN',
        `Review the ${total} proposed slabs and confirm them (${confirmed} of ${total} confirmed).`,
        `请检查 ${total} 个建议扫描块并确认（已确认 ${confirmed}/${total} 个）。`,
      );
    }
    case 'planning.adjusting':
      return action('WAIT_FOR_ADJUSTMENT', 'Applying your adjustment.', '正在应用您的调整。');
    case 'planning.manual': {
      const code = context.reason?.code ?? 'UNKNOWN';
      const en = context.reason?.message ?? 'automatic planning is unavailable';
      const zh = REASON_ZH[code] ?? '自动规划不可用';
      return action(
        'PLAN_MANUALLY',
        `Plan the slabs manually on the scanner, or request a re-plan. Reason: ${en}.`,
        `请在扫描仪上手动规划扫描块，或请求重新规划。原因：${zh}。`,
      );
    }
    case 'acquisition.acquiringSlab': {
      const { level, position, total } = currentSlabLabel(context);
      return action(
        'ACQUIRE_SLAB',
        `Acquire slab ${level} (${position} of ${total}) on the scanner.`,
        `请在扫描仪上采集扫描块 ${level}（第 ${position}/${total} 个）。`,
      );
    }
    case 'acquisition.qcChecking': {
      const { level } = currentSlabLabel(context);
      return action('WAIT_FOR_QC', `Checking the quality of slab ${level}.`, `正在检查扫描块 ${level} 的质量。`);
    }
    case 'acquisition.slabFailed': {
      const { level } = currentSlabLabel(context);
      return action(
        'ACKNOWLEDGE_QC',
        `Slab ${level} failed QC: rescan it with the corrected slab, or accept it.`,
        `扫描块 ${level} 质控未通过：请用校正后的扫描块重扫，或接受当前结果。`,
      );
    }
    case 'acquisition.qcUnavailable': {
      const { level } = currentSlabLabel(context);
      return action(
        'ACKNOWLEDGE_QC_UNAVAILABLE',
        `QC could not check slab ${level}: review it yourself, then accept or rescan it.`,
        `无法对扫描块 ${level} 进行质控：请自行检查后接受或重扫。`,
      );
    }
    case 'acquisition.slabTimedOut': {
      const { level } = currentSlabLabel(context);
      return action(
        'SLAB_TIMED_OUT',
        `Slab ${level} did not complete in time: rescan it, or accept to skip it.`,
        `扫描块 ${level} 未按时完成：请重扫，或接受以跳过。`,
      );
    }
    case 'complete':
      return action('END_EXAM', 'All slabs are done: end the exam on the scanner.', '所有扫描块已完成：请在扫描仪上结束检查。');
    default:
      return action('WAIT', `The session is in state ${loopState}.`, `会话处于状态 ${loopState}。`);
  }
}
