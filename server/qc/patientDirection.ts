/** Names of LPS directions in patient terms, for QC messages about a shift along a slab normal. */
import type { Vec3 } from '../geometry/types.ts';

/** Component of a unit direction from which an axis is named alongside the dominant one (30° off that axis). */
const MIN_NAMED_COMPONENT = 0.5;

const AXIS_NAMES: ReadonlyArray<{ positive: { en: string; zh: string }; negative: { en: string; zh: string } }> = [
  { positive: { en: "to the patient's left", zh: '患者左侧' }, negative: { en: "to the patient's right", zh: '患者右侧' } },
  { positive: { en: 'posterior', zh: '后方' }, negative: { en: 'anterior', zh: '前方' } },
  { positive: { en: 'towards the head', zh: '头侧' }, negative: { en: 'towards the feet', zh: '足侧' } },
];

/**
 * Names a direction in LPS (+x left, +y posterior, +z head) by its dominant axis, plus any
 * other axis with a component of at least 0.5, such as "towards the head and posterior".
 */
export function describeDirectionLps(directionLps: Readonly<Vec3>): { en: string; zh: string } {
  const norm = Math.hypot(directionLps[0], directionLps[1], directionLps[2]);
  if (!(norm > 0)) throw new RangeError(`Direction (${directionLps.join(', ')}) has no length. Pass a non-zero vector.`);
  const unit = directionLps.map((component) => component / norm);
  const order = [0, 1, 2].sort((a, b) => Math.abs(unit[b]) - Math.abs(unit[a]));
  const named = order.filter((axis, rank) => rank === 0 || Math.abs(unit[axis]) >= MIN_NAMED_COMPONENT);
  const names = named.map((axis) => (unit[axis] > 0 ? AXIS_NAMES[axis].positive : AXIS_NAMES[axis].negative));
  return { en: names.map((name) => name.en).join(' and '), zh: names.map((name) => name.zh).join('偏') };
}
