/** Whether the acquired images belong to the exam and frame of reference of the localizer. */
import type { MrImage, MrSeries } from '../dicom/types.ts';
import { makeCheck } from './grading.ts';
import type { QcCheck } from './types.ts';

export function checkFrameOfReference(acquired: MrImage[], localizer: MrSeries): QcCheck {
  const foreign = acquired.filter(
    (image) =>
      image.frameOfReferenceUid !== localizer.frameOfReferenceUid || image.studyInstanceUid !== localizer.studyInstanceUid,
  );
  if (foreign.length === 0) {
    return makeCheck({
      code: 'FRAME_OF_REFERENCE',
      verdict: 'pass',
      value: 0,
      // No threshold on a pass, because "0 of 0 allowed" adds nothing to the message.
      threshold: null,
      unit: 'images',
      message: {
        en: 'All images share the localizer frame of reference.',
        'zh-CN': '所有图像与定位像处于同一参考坐标系（Frame of Reference）。',
      },
    });
  }
  const example = foreign[0];
  return makeCheck({
    code: 'FRAME_OF_REFERENCE',
    verdict: 'fail',
    value: foreign.length,
    threshold: 0,
    unit: 'images',
    message: {
      en:
        `Slab from another exam or frame of reference: ${foreign.length} of ${acquired.length} images (first ${example.sopInstanceUid}) ` +
        `have Frame of Reference UID ${example.frameOfReferenceUid} in study ${example.studyInstanceUid}, the localizer has ` +
        `${localizer.frameOfReferenceUid} in study ${localizer.studyInstanceUid}. Geometry checks are skipped; rescan in this exam.`,
      'zh-CN':
        `该扫描块来自其他检查或其他参考坐标系：${acquired.length} 幅图像中有 ${foreign.length} 幅（首幅 ${example.sopInstanceUid}）` +
        `的 Frame of Reference UID 为 ${example.frameOfReferenceUid}（检查 ${example.studyInstanceUid}），定位像为 ` +
        `${localizer.frameOfReferenceUid}（检查 ${localizer.studyInstanceUid}）。已跳过几何检查，请在本次检查中重新扫描。`,
    },
  });
}
