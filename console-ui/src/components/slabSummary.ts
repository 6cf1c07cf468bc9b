/** One-line description of a slab for the plan list, the viewer's selection line and QC. */
import { slabOrientation, type ReferencePlane } from '../geometry/slabOrientation.ts';
import type { MessageKey } from '../i18n/en.ts';
import { formatNumber, translate } from '../i18n/locale.ts';
import type { WireSlab } from '../wire.ts';

/** Tilts below this many degrees show as 0.0, so the slab is described as straight. */
const STRAIGHT_BELOW_DEG = 0.05;

const TILTED_KEYS: Record<ReferencePlane, MessageKey> = {
  axial: 'slab.orientation.axial',
  sagittal: 'slab.orientation.sagittal',
  coronal: 'slab.orientation.coronal',
};

const STRAIGHT_KEYS: Record<ReferencePlane, MessageKey> = {
  axial: 'slab.orientation.trueAxial',
  sagittal: 'slab.orientation.trueSagittal',
  coronal: 'slab.orientation.trueCoronal',
};

/** Describes the tilt from the slab's own plane: "12.5° to axial", "3.0° to sagittal" or "true sagittal". */
export function slabOrientationText(slab: WireSlab): string {
  const { plane, angleDeg } = slabOrientation(slab);
  if (angleDeg < STRAIGHT_BELOW_DEG) return translate(STRAIGHT_KEYS[plane]);
  return translate(TILTED_KEYS[plane], { angle: formatNumber(angleDeg, 1) });
}

export function slabSummary(slab: WireSlab): string {
  return translate('slab.summary', {
    orientation: slabOrientationText(slab),
    count: slab.sliceCount,
    thickness: formatNumber(slab.sliceThicknessMm, 1),
    fov: `${Math.round(slab.fovMm.columns)}×${Math.round(slab.fovMm.rows)}`,
  });
}
