/**
 * Draws the phantom's anatomy from a seed: which levels exist, their heights and widths, the
 * lordosis and scoliosis of the spine's centre line, and the soft-tissue layout.
 *
 * Everything here lives in the phantom frame: millimetres with X to the patient's left, Y to
 * posterior and Z to inferior (so Z grows down the spine), origin at voxel (0, 0, 0).
 */
import type { Random } from './random.ts';
import type { PhantomDiscLevel, PhantomVertebraLevel } from './labels.ts';

export type Vec = [number, number, number];

export function add(a: Vec, b: Vec): Vec {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}
export function sub(a: Vec, b: Vec): Vec {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
export function scale(a: Vec, factor: number): Vec {
  return [a[0] * factor, a[1] * factor, a[2] * factor];
}
export function dot(a: Vec, b: Vec): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
export function cross(a: Vec, b: Vec): Vec {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
export function normalize(a: Vec): Vec {
  const length = Math.hypot(a[0], a[1], a[2]);
  return [a[0] / length, a[1] / length, a[2] / length];
}

/** Variant choices a caller may fix; whatever is left out is drawn from the seed. */
export interface PhantomVariant {
  /** Number of lumbar vertebrae: 5 is typical, 4 and 6 are transitional anatomy. */
  lumbarCount?: 4 | 5 | 6;
  /** Disc levels drawn narrowed and dark (degenerated); an empty list means none. */
  degeneratedDiscs?: PhantomDiscLevel[];
}

/** One stretch of the spine's centre line between two endplates, from the top down. */
export interface SpineSegment {
  kind: 'vertebra' | 'disc' | 'sacral';
  /** Level name: `L3`, `L3/L4`, or `S2` ... `S5` for the fused sacral segments. */
  name: string;
  /** Arc length of the upper and lower endplate along the centre line, millimetres. */
  topArcMm: number;
  bottomArcMm: number;
  /** Half width (left-right) and half depth (anterior-posterior) of the cross-section, mm. */
  radiusLateralMm: number;
  radiusApMm: number;
  degenerated: boolean;
}

/** A sampled curve: position, unit tangent (pointing down the spine) and posterior normal. */
export interface SampledCurve {
  stepMm: number;
  points: Vec[];
  tangents: Vec[];
  /** Unit normal in the plane of the tangent and +Y, pointing posterior. */
  posteriors: Vec[];
  /** Unit lateral axis, `posterior x tangent`, close to +X. */
  laterals: Vec[];
}

export interface Anatomy {
  lumbarCount: 4 | 5 | 6;
  degeneratedDiscs: PhantomDiscLevel[];
  lordosisDeg: number;
  scoliosisDeg: number;
  segments: SpineSegment[];
  /** Centre line through the vertebral body centres, in the phantom frame after placement. */
  centreLine: SampledCurve;
  /** Canal half depth and half width at each centre-line sample, mm (0 where the canal ends). */
  canalRadiusApMm: number[];
  canalRadiusLateralMm: number[];
  /** Distance from the body centre line to the canal axis along the posterior normal, mm. */
  canalOffsetMm: number[];
  /** Arc length where the cord ends (conus) and where the thecal sac ends, mm. */
  conusArcMm: number;
  thecalSacEndArcMm: number;
  /** Distance from the canal axis to the back skin, mm, and subcutaneous fat thickness, mm. */
  backDepthMm: number;
  subcutaneousFatMm: number;
  /** Distance from the body centre line to the anterior skin, mm. */
  frontDepthMm: number;
}

export function vertebraLevels(lumbarCount: 4 | 5 | 6): PhantomVertebraLevel[] {
  const lumbar = (['L1', 'L2', 'L3', 'L4', 'L5', 'L6'] as const).slice(0, lumbarCount);
  return ['T10', 'T11', 'T12', ...lumbar, 'S1'];
}

function drawLumbarCount(random: Random, variant: PhantomVariant | undefined): 4 | 5 | 6 {
  const draw = random.next();
  if (variant?.lumbarCount !== undefined) return variant.lumbarCount;
  if (draw < 0.1) return 4;
  if (draw < 0.2) return 6;
  return 5;
}

/** Typical body height, half width and half depth per level in mm, before the size factor. */
function bodySize(level: PhantomVertebraLevel): { heightMm: number; lateralMm: number; apMm: number } {
  switch (level) {
    case 'T10':
      return { heightMm: 20, lateralMm: 16, apMm: 13 };
    case 'T11':
      return { heightMm: 21, lateralMm: 17, apMm: 14 };
    case 'T12':
      return { heightMm: 23, lateralMm: 18, apMm: 15 };
    case 'S1':
      return { heightMm: 24, lateralMm: 23, apMm: 17 };
    default:
      return { heightMm: 26, lateralMm: 21, apMm: 17 };
  }
}

/** Typical disc height in mm by position from the top (T10/T11 is 0). */
function discHeightMm(index: number, isLumbosacral: boolean): number {
  if (isLumbosacral) return 10;
  return Math.min(5 + index * 1.4, 11);
}

/** Builds the list of segments from the top of T10 to the tip of the sacrum. */
function buildSegments(
  random: Random,
  lumbarCount: 4 | 5 | 6,
  degeneratedDiscs: PhantomDiscLevel[],
  sizeFactor: number,
): SpineSegment[] {
  const levels = vertebraLevels(lumbarCount);
  const segments: SpineSegment[] = [];
  let arc = 0;
  for (let index = 0; index < levels.length; index += 1) {
    const level = levels[index];
    const size = bodySize(level);
    const jitter = random.uniform(0.96, 1.04);
    const height = size.heightMm * sizeFactor * jitter;
    segments.push({
      kind: 'vertebra',
      name: level,
      topArcMm: arc,
      bottomArcMm: arc + height,
      radiusLateralMm: size.lateralMm * sizeFactor,
      radiusApMm: size.apMm * sizeFactor,
      degenerated: false,
    });
    arc += height;
    if (index === levels.length - 1) break;

    const discName = `${level}/${levels[index + 1]}` as PhantomDiscLevel;
    const degenerated = degeneratedDiscs.includes(discName);
    const typical = discHeightMm(index, levels[index + 1] === 'S1') * sizeFactor * random.uniform(0.92, 1.08);
    const discHeight = degenerated ? typical * random.uniform(0.4, 0.65) : typical;
    const below = bodySize(levels[index + 1]);
    segments.push({
      kind: 'disc',
      name: discName,
      topArcMm: arc,
      bottomArcMm: arc + discHeight,
      radiusLateralMm: ((size.lateralMm + below.lateralMm) / 2) * sizeFactor * 1.02,
      radiusApMm: ((size.apMm + below.apMm) / 2) * sizeFactor * 1.02,
      degenerated,
    });
    arc += discHeight;
  }

  // Fused sacral segments S2..S5, each narrower and shorter, with thin fused remnants between.
  const sacralSizes = [
    { name: 'S2', heightMm: 19, lateralMm: 18, apMm: 13 },
    { name: 'S3', heightMm: 16, lateralMm: 14, apMm: 10 },
    { name: 'S4', heightMm: 13, lateralMm: 11, apMm: 8 },
    { name: 'S5', heightMm: 11, lateralMm: 8, apMm: 6 },
  ];
  for (const sacral of sacralSizes) {
    const top = arc;
    arc += sacral.heightMm * sizeFactor + 2;
    segments.push({
      kind: 'sacral',
      name: sacral.name,
      topArcMm: top,
      bottomArcMm: arc,
      radiusLateralMm: sacral.lateralMm * sizeFactor,
      radiusApMm: sacral.apMm * sizeFactor,
      degenerated: false,
    });
  }
  return segments;
}

function drawDegeneratedDiscs(random: Random, lumbarCount: 4 | 5 | 6, variant: PhantomVariant | undefined): PhantomDiscLevel[] {
  const levels = vertebraLevels(lumbarCount);
  const candidates: PhantomDiscLevel[] = [];
  for (let index = 0; index + 1 < levels.length; index += 1) {
    candidates.push(`${levels[index]}/${levels[index + 1]}` as PhantomDiscLevel);
  }
  const drawn: PhantomDiscLevel[] = [];
  for (const [index, name] of candidates.entries()) {
    const lowerLumbar = index >= candidates.length - 3;
    const hit = random.chance(lowerLumbar ? 0.22 : 0.05);
    if (hit && drawn.length < 2) drawn.push(name);
  }
  if (variant?.degeneratedDiscs !== undefined) {
    for (const name of variant.degeneratedDiscs) {
      if (!candidates.includes(name)) {
        throw new RangeError(
          `Degenerated disc ${name} does not exist with ${lumbarCount} lumbar vertebrae. Choose from ${candidates.join(', ')}.`,
        );
      }
    }
    return [...variant.degeneratedDiscs];
  }
  return drawn;
}

/**
 * Integrates the centre line from the arc-length profile of its sagittal angle (lordosis,
 * positive = the spine runs posterior going down) and lateral angle (scoliosis).
 */
function integrateCentreLine(
  totalArcMm: number,
  stepMm: number,
  sagittalAngleDeg: (arcMm: number) => number,
  lateralAngleDeg: (arcMm: number) => number,
): SampledCurve {
  const count = Math.ceil(totalArcMm / stepMm) + 1;
  const curve: SampledCurve = { stepMm, points: [], tangents: [], posteriors: [], laterals: [] };
  let position: Vec = [0, 0, 0];
  for (let index = 0; index < count; index += 1) {
    const arc = index * stepMm;
    const alpha = (sagittalAngleDeg(arc) * Math.PI) / 180;
    const beta = (lateralAngleDeg(arc) * Math.PI) / 180;
    const tangent = normalize([Math.sin(beta), Math.sin(alpha) * Math.cos(beta), Math.cos(alpha) * Math.cos(beta)]);
    const posterior = normalize(sub([0, 1, 0], scale(tangent, tangent[1])));
    const lateral = cross(posterior, tangent);
    if (index > 0) position = add(position, scale(add(tangent, curve.tangents[index - 1]), stepMm / 2));
    curve.points.push(position);
    curve.tangents.push(tangent);
    curve.posteriors.push(posterior);
    curve.laterals.push(lateral);
  }
  return curve;
}

/** Linear interpolation of a sampled per-arc quantity. */
export function sampleAtArc<T extends Vec | number>(curve: SampledCurve, values: T[], arcMm: number): T {
  const position = Math.min(Math.max(arcMm / curve.stepMm, 0), values.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, values.length - 1);
  const fraction = position - lower;
  const a = values[lower];
  const b = values[upper];
  if (typeof a === 'number' && typeof b === 'number') return (a + (b - a) * fraction) as T;
  const va = a as Vec;
  const vb = b as Vec;
  return [va[0] + (vb[0] - va[0]) * fraction, va[1] + (vb[1] - va[1]) * fraction, va[2] + (vb[2] - va[2]) * fraction] as T;
}

/** Hermite step from 0 at `edge0` to 1 at `edge1`. */
export function smoothStepArc(edge0: number, edge1: number, x: number): number {
  const t = Math.min(Math.max((x - edge0) / (edge1 - edge0), 0), 1);
  return t * t * (3 - 2 * t);
}

/**
 * Draws a whole anatomy and places its centre line so that the lumbar spine sits in the middle
 * of a field of view of `fieldOfViewMm` (X, Y, Z extents in mm).
 */
export function drawAnatomy(random: Random, fieldOfViewMm: Vec, variant: PhantomVariant | undefined): Anatomy {
  const lumbarCount = drawLumbarCount(random, variant);
  const degeneratedDiscs = drawDegeneratedDiscs(random, lumbarCount, variant);
  const sizeFactor = random.uniform(0.9, 1.08);
  const segments = buildSegments(random, lumbarCount, degeneratedDiscs, sizeFactor);

  const find = (name: string): SpineSegment => {
    const segment = segments.find((candidate) => candidate.name === name);
    if (segment === undefined) throw new Error(`Phantom segment ${name} is missing from the level list.`);
    return segment;
  };
  const t12Arc = (find('T12').topArcMm + find('T12').bottomArcMm) / 2;
  const lumbosacral = find(`L${lumbarCount}/S1`);
  const lumbosacralArc = (lumbosacral.topArcMm + lumbosacral.bottomArcMm) / 2;
  const totalArc = segments[segments.length - 1].bottomArcMm;

  const lordosisDeg = random.uniform(38, 62);
  const topAngleDeg = random.uniform(-16, -5);
  const sacralCurveDeg = random.uniform(25, 45);
  const scoliosisDeg = random.uniform(-6, 6);
  const scoliosisPhase = random.uniform(0, Math.PI);
  const scoliosisWavelengthMm = random.uniform(220, 320);

  // Lordosis concentrates in the lower lumbar levels, hence the power above 1. Below the
  // lumbosacral disc the sacrum curves forward again (sacral kyphosis).
  const sagittalAngleDeg = (arc: number): number => {
    const lumbarFraction = Math.min(Math.max((arc - t12Arc) / (lumbosacralArc - t12Arc), 0), 1);
    const sacral = smoothStepArc(lumbosacralArc, totalArc, arc) * sacralCurveDeg;
    return topAngleDeg + lordosisDeg * Math.pow(lumbarFraction, 1.4) - sacral;
  };
  const lateralAngleDeg = (arc: number): number =>
    scoliosisDeg * Math.sin((2 * Math.PI * arc) / scoliosisWavelengthMm + scoliosisPhase);

  const centreLine = integrateCentreLine(totalArc, 0.5, sagittalAngleDeg, lateralAngleDeg);

  // Place the midpoint between the top of L1 and the top of S1 at the centre of the field of
  // view (with a few mm of jitter), and the body centre line a little posterior of centre.
  const anchorArc = (find('L1').topArcMm + find('S1').topArcMm) / 2;
  const anchor = sampleAtArc(centreLine, centreLine.points, anchorArc);
  const target: Vec = [
    fieldOfViewMm[0] / 2 + random.uniform(-5, 5),
    fieldOfViewMm[1] * 0.56 + random.uniform(-8, 8),
    fieldOfViewMm[2] / 2 + random.uniform(-10, 10),
  ];
  const shift = sub(target, anchor);
  centreLine.points = centreLine.points.map((point) => add(point, shift));

  const conusArc = random.uniform(find('T12').bottomArcMm, find('L2').topArcMm);
  const s2 = find('S2');
  const thecalSacEndArc = (s2.topArcMm + s2.bottomArcMm) / 2;
  const canalRadiusApMm: number[] = [];
  const canalRadiusLateralMm: number[] = [];
  const canalOffsetMm: number[] = [];
  const canalWidthFactor = random.uniform(0.85, 1.15);
  for (let index = 0; index < centreLine.points.length; index += 1) {
    const arc = index * centreLine.stepMm;
    const segment = segments.find((candidate) => arc < candidate.bottomArcMm) ?? segments[segments.length - 1];
    const sacralTaper = 1 - 0.55 * smoothStepArc(lumbosacralArc, totalArc, arc);
    const thoracic = arc < t12Arc ? 0.85 : 1;
    const radiusAp = 7.5 * canalWidthFactor * thoracic * sacralTaper;
    const radiusLateral = 10.5 * canalWidthFactor * thoracic * sacralTaper;
    canalRadiusApMm.push(radiusAp);
    canalRadiusLateralMm.push(radiusLateral);
    canalOffsetMm.push(segment.radiusApMm * 0.75 + 2.5 + radiusAp);
  }

  return {
    lumbarCount,
    degeneratedDiscs,
    lordosisDeg,
    scoliosisDeg,
    segments,
    centreLine,
    canalRadiusApMm,
    canalRadiusLateralMm,
    canalOffsetMm,
    conusArcMm: conusArc,
    thecalSacEndArcMm: thecalSacEndArc,
    backDepthMm: random.uniform(55, 75),
    subcutaneousFatMm: random.uniform(8, 28),
    frontDepthMm: random.uniform(140, 190),
  };
}
