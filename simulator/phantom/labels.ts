/**
 * Label values of the phantom's label volume. Values are stable across seeds and variants:
 * a structure that a variant lacks (L6 in a five-lumbar spine) simply has no voxels.
 */

export const LABEL_AIR = 0;
export const LABEL_SUBCUTANEOUS_FAT = 1;
export const LABEL_MUSCLE = 2;
/** Abdominal and pelvic contents, rendered as one textured soft tissue. */
export const LABEL_SOFT_TISSUE = 3;
export const LABEL_EPIDURAL_FAT = 4;
export const LABEL_CSF = 5;
export const LABEL_SPINAL_CORD = 6;
export const LABEL_CAUDA_EQUINA = 7;
/** Pedicles, laminae, spinous and transverse processes of every vertebra above the sacrum. */
export const LABEL_POSTERIOR_ELEMENTS = 8;
/** Sacrum below the S1 body: S2 to S5, the alae and the dorsal wall of the sacral canal. */
export const LABEL_SACRUM = 9;
/** Aorta and inferior vena cava (flow voids). */
export const LABEL_VESSEL = 10;

/** Vertebral body levels from the top of the phantom down; S1 is the S1 body only. */
export const PHANTOM_VERTEBRA_LEVELS = ['T10', 'T11', 'T12', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'S1'] as const;
export type PhantomVertebraLevel = (typeof PHANTOM_VERTEBRA_LEVELS)[number];

/** Disc levels; the lowest lumbar disc is L4/S1, L5/S1 or L6/S1 with 4, 5 or 6 lumbar vertebrae. */
export const PHANTOM_DISC_LEVELS = [
  'T10/T11',
  'T11/T12',
  'T12/L1',
  'L1/L2',
  'L2/L3',
  'L3/L4',
  'L4/L5',
  'L5/L6',
  'L4/S1',
  'L5/S1',
  'L6/S1',
] as const;
export type PhantomDiscLevel = (typeof PHANTOM_DISC_LEVELS)[number];

const FIRST_VERTEBRA_LABEL = 11;
const FIRST_DISC_LABEL = 21;
/** A nucleus label is its disc's (annulus) label plus this offset. */
const NUCLEUS_LABEL_OFFSET = 20;

/** Label value of a vertebral body level (T10 = 11 ... L6 = 19, S1 = 20). */
export function vertebraLabel(level: PhantomVertebraLevel): number {
  return FIRST_VERTEBRA_LABEL + PHANTOM_VERTEBRA_LEVELS.indexOf(level);
}

/** Label value of a disc's annulus (T10/T11 = 21 ... L6/S1 = 31). */
export function discLabel(level: PhantomDiscLevel): number {
  return FIRST_DISC_LABEL + PHANTOM_DISC_LEVELS.indexOf(level);
}

/** Label value of a disc's nucleus pulposus (41 ... 51). */
export function nucleusLabel(level: PhantomDiscLevel): number {
  return discLabel(level) + NUCLEUS_LABEL_OFFSET;
}

/** Tissue classes the renderer assigns an intensity to. */
export const TISSUES = [
  'air',
  'fat',
  'epiduralFat',
  'muscle',
  'softTissue',
  'csf',
  'cord',
  'cauda',
  'marrow',
  'cortex',
  'annulus',
  'nucleus',
  'vessel',
] as const;
export type Tissue = (typeof TISSUES)[number];

/** Structure classes of the segmentation model, in channel order. */
export const MODEL_CLASSES = ['background', 'vertebra', 'sacrum', 'disc', 'canal'] as const;
export type ModelClass = (typeof MODEL_CLASSES)[number];

export interface LabelInfo {
  name: string;
  tissue: Tissue;
  modelClass: ModelClass;
}

function buildLabelTable(): Map<number, LabelInfo> {
  const table = new Map<number, LabelInfo>([
    [LABEL_AIR, { name: 'background', tissue: 'air', modelClass: 'background' }],
    [LABEL_SUBCUTANEOUS_FAT, { name: 'subcutaneous fat', tissue: 'fat', modelClass: 'background' }],
    [LABEL_MUSCLE, { name: 'muscle', tissue: 'muscle', modelClass: 'background' }],
    [LABEL_SOFT_TISSUE, { name: 'soft tissue', tissue: 'softTissue', modelClass: 'background' }],
    [LABEL_EPIDURAL_FAT, { name: 'epidural fat', tissue: 'epiduralFat', modelClass: 'background' }],
    [LABEL_CSF, { name: 'CSF', tissue: 'csf', modelClass: 'canal' }],
    [LABEL_SPINAL_CORD, { name: 'spinal cord', tissue: 'cord', modelClass: 'canal' }],
    [LABEL_CAUDA_EQUINA, { name: 'cauda equina', tissue: 'cauda', modelClass: 'canal' }],
    [LABEL_POSTERIOR_ELEMENTS, { name: 'posterior elements', tissue: 'marrow', modelClass: 'background' }],
    [LABEL_SACRUM, { name: 'sacrum', tissue: 'marrow', modelClass: 'sacrum' }],
    [LABEL_VESSEL, { name: 'vessel', tissue: 'vessel', modelClass: 'background' }],
  ]);
  for (const level of PHANTOM_VERTEBRA_LEVELS) {
    const modelClass: ModelClass = level === 'S1' ? 'sacrum' : 'vertebra';
    table.set(vertebraLabel(level), { name: level, tissue: 'marrow', modelClass });
  }
  for (const level of PHANTOM_DISC_LEVELS) {
    table.set(discLabel(level), { name: level, tissue: 'annulus', modelClass: 'disc' });
    table.set(nucleusLabel(level), { name: `${level} nucleus`, tissue: 'nucleus', modelClass: 'disc' });
  }
  return table;
}

/** Every label value the phantom can write, with its name, tissue and model class. */
export const LABEL_TABLE: ReadonlyMap<number, LabelInfo> = buildLabelTable();

/** Names per label value, as `readVolume` and the simulator expect them. */
export function labelNames(): Record<number, string> {
  const names: Record<number, string> = {};
  for (const [value, info] of LABEL_TABLE) names[value] = info.name;
  return names;
}

/** True for labels rendered as bone, whose outer voxels get the cortex intensity. */
export function isBoneLabel(value: number): boolean {
  return LABEL_TABLE.get(value)?.tissue === 'marrow';
}
