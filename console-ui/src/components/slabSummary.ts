/** One-line descriptions of a slab and of its offset from another, for the plan list, the viewer and QC. */
import { isNegligibleOffset, type SlabOffset } from '../geometry/slabOffset.ts';
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

/** Formats a signed amount with an explicit sign, so "+3.0" and "−3.0" read as directions. */
function signed(value: number, fractionDigits: number): string {
  const text = formatNumber(Math.abs(value), fractionDigits);
  if (Number(text) === 0) return text;
  return `${value > 0 ? '+' : '−'}${text}`;
}

/**
 * Describes an offset between two slabs: the shift along the reference normal (signed, mm),
 * the in-plane shift (mm), the angle between the normals (degrees) and the slice count change.
 * Parts that round to zero are left out.
 */
export function slabOffsetText(offset: SlabOffset): string {
  if (isNegligibleOffset(offset)) return translate('slab.offset.none');
  const parts: string[] = [];
  if (Math.abs(offset.alongNormalMm) >= 0.05) parts.push(translate('slab.offset.alongNormal', { value: signed(offset.alongNormalMm, 1) }));
  const inPlaneMm = Math.hypot(offset.rowMm, offset.columnMm);
  if (inPlaneMm >= 0.05) parts.push(translate('slab.offset.inPlane', { value: formatNumber(inPlaneMm, 1) }));
  if (offset.angleDeg >= 0.05) parts.push(translate('slab.offset.angle', { value: formatNumber(offset.angleDeg, 1) }));
  if (offset.sliceCountChange !== 0) parts.push(translate('slab.offset.slices', { value: signed(offset.sliceCountChange, 0) }));
  return parts.join(translate('slab.offset.separator'));
}
