/**
 * Writes the drawn anatomy into a label volume on the phantom grid. Voxel (i, j, k) has its
 * centre at phantom-frame position (i, j, k) * voxelSizeMm. Structures are written in order of
 * precedence, later ones over earlier ones: body outline and soft tissue, muscles and vessels,
 * posterior elements, canal contents, then vertebral bodies, discs and sacrum.
 */
import type { Anatomy, SpineSegment, Vec } from './anatomy.ts';
import { add, cross, dot, normalize, sampleAtArc, scale, smoothStepArc, sub } from './anatomy.ts';
import {
  LABEL_CAUDA_EQUINA,
  LABEL_CSF,
  LABEL_EPIDURAL_FAT,
  LABEL_MUSCLE,
  LABEL_POSTERIOR_ELEMENTS,
  LABEL_SACRUM,
  LABEL_SOFT_TISSUE,
  LABEL_SPINAL_CORD,
  LABEL_SUBCUTANEOUS_FAT,
  LABEL_VESSEL,
  discLabel,
  nucleusLabel,
  vertebraLabel,
} from './labels.ts';
import type { PhantomDiscLevel, PhantomVertebraLevel } from './labels.ts';

function square(value: number): number {
  return value * value;
}

function fourthPower(value: number): number {
  const squared = value * value;
  return squared * squared;
}

export interface LabelGrid {
  dims: [number, number, number];
  voxelSizeMm: number;
  data: Uint8Array;
}

/** Local frame of one segment: centre, unit axis (down), posterior and lateral axes, height. */
interface SegmentFrame {
  topPoint: Vec;
  topNormal: Vec;
  bottomPoint: Vec;
  bottomNormal: Vec;
  centre: Vec;
  axis: Vec;
  posterior: Vec;
  lateral: Vec;
  heightMm: number;
}

export function segmentFrame(anatomy: Anatomy, segment: SpineSegment): SegmentFrame {
  const line = anatomy.centreLine;
  const topPoint = sampleAtArc(line, line.points, segment.topArcMm);
  const bottomPoint = sampleAtArc(line, line.points, segment.bottomArcMm);
  const topNormal = normalize(sampleAtArc(line, line.tangents, segment.topArcMm));
  const bottomNormal = normalize(sampleAtArc(line, line.tangents, segment.bottomArcMm));
  const centre = scale(add(topPoint, bottomPoint), 0.5);
  const axis = normalize(sub(bottomPoint, topPoint));
  const midPosterior = sampleAtArc(line, line.posteriors, (segment.topArcMm + segment.bottomArcMm) / 2);
  const posterior = normalize(sub(midPosterior, scale(axis, dot(midPosterior, axis))));
  const lateral = cross(posterior, axis);
  const heightMm = Math.hypot(...sub(bottomPoint, topPoint));
  return { topPoint, topNormal, bottomPoint, bottomNormal, centre, axis, posterior, lateral, heightMm };
}

/** Local box around a segment frame, in millimetres along its lateral, posterior and axial axes. */
interface LocalBox {
  lateralMm: number;
  posteriorMinMm: number;
  posteriorMaxMm: number;
  axialMinMm: number;
  axialMaxMm: number;
}

/**
 * Calls `visit` for every voxel inside the axis-aligned bounds of a local box around a frame,
 * with the voxel's local coordinates (lateral, posterior, axial offset from the centre, mm).
 */
function forEachLocalVoxel(
  grid: LabelGrid,
  frame: SegmentFrame,
  box: LocalBox,
  visit: (index: number, lateralMm: number, posteriorMm: number, axialMm: number) => void,
): void {
  const min: Vec = [Infinity, Infinity, Infinity];
  const max: Vec = [-Infinity, -Infinity, -Infinity];
  for (const u of [-box.lateralMm, box.lateralMm]) {
    for (const v of [box.posteriorMinMm, box.posteriorMaxMm]) {
      for (const w of [box.axialMinMm, box.axialMaxMm]) {
        const corner = add(frame.centre, add(scale(frame.lateral, u), add(scale(frame.posterior, v), scale(frame.axis, w))));
        for (let axis = 0; axis < 3; axis += 1) {
          min[axis] = Math.min(min[axis], corner[axis]);
          max[axis] = Math.max(max[axis], corner[axis]);
        }
      }
    }
  }
  const [nx, ny, nz] = grid.dims;
  const size = grid.voxelSizeMm;
  const i0 = Math.max(0, Math.floor(min[0] / size));
  const i1 = Math.min(nx - 1, Math.ceil(max[0] / size));
  const j0 = Math.max(0, Math.floor(min[1] / size));
  const j1 = Math.min(ny - 1, Math.ceil(max[1] / size));
  const k0 = Math.max(0, Math.floor(min[2] / size));
  const k1 = Math.min(nz - 1, Math.ceil(max[2] / size));
  const [cx, cy, cz] = frame.centre;
  const [lx, ly, lz] = frame.lateral;
  const [px, py, pz] = frame.posterior;
  const [ax, ay, az] = frame.axis;
  for (let k = k0; k <= k1; k += 1) {
    const dz = k * size - cz;
    for (let j = j0; j <= j1; j += 1) {
      const dy = j * size - cy;
      const rowStart = k * ny * nx + j * nx;
      for (let i = i0; i <= i1; i += 1) {
        const dx = i * size - cx;
        const u = dx * lx + dy * ly + dz * lz;
        const v = dx * px + dy * py + dz * pz;
        const w = dx * ax + dy * ay + dz * az;
        if (u < -box.lateralMm || u > box.lateralMm || v < box.posteriorMinMm || v > box.posteriorMaxMm) continue;
        if (w < box.axialMinMm || w > box.axialMaxMm) continue;
        visit(rowStart + i, u, v, w);
      }
    }
  }
}

/** Endplate planes in a frame's local coordinates: inside when `above >= 0` and `below < 0`. */
function endplateTest(frame: SegmentFrame): (u: number, v: number, w: number) => boolean {
  const local = (normal: Vec, point: Vec): [number, number, number, number] => {
    const offset = sub(point, frame.centre);
    return [dot(normal, frame.lateral), dot(normal, frame.posterior), dot(normal, frame.axis), dot(normal, offset)];
  };
  const [tu, tv, tw, tOffset] = local(frame.topNormal, frame.topPoint);
  const [bu, bv, bw, bOffset] = local(frame.bottomNormal, frame.bottomPoint);
  return (u, v, w) => u * tu + v * tv + w * tw - tOffset >= 0 && u * bu + v * bv + w * bw - bOffset < 0;
}

function rasterizeBody(grid: LabelGrid, segment: SpineSegment, frame: SegmentFrame, label: number): void {
  const betweenEndplates = endplateTest(frame);
  const h = frame.heightMm;
  const ru = segment.radiusLateralMm;
  const rv = segment.radiusApMm;
  forEachLocalVoxel(
    grid,
    frame,
    { lateralMm: ru + 2, posteriorMinMm: -rv - 2, posteriorMaxMm: rv + 2, axialMinMm: -h / 2 - 6, axialMaxMm: h / 2 + 6 },
    (index, u, v, w) => {
      if (!betweenEndplates(u, v, w)) return;
      const axial = Math.min(Math.abs((2 * w) / h), 1);
      const rim = Math.max(0, (axial - 0.8) / 0.2);
      // A slightly concave waist and rounded rims at the endplates.
      const radius = 1 - 0.06 * (1 - axial * axial) - 0.1 * rim * rim;
      const inside = square(u / ru) + square(v / rv) <= radius * radius && v <= 0.75 * rv;
      if (inside) grid.data[index] = label;
    },
  );
}

function rasterizeDisc(grid: LabelGrid, segment: SpineSegment, frame: SegmentFrame): void {
  const level = segment.name as PhantomDiscLevel;
  const annulus = discLabel(level);
  const nucleus = nucleusLabel(level);
  const betweenEndplates = endplateTest(frame);
  const h = frame.heightMm;
  const ru = segment.radiusLateralMm;
  const rv = segment.radiusApMm;
  const nucleusFactor = segment.degenerated ? 0.7 : 1;
  forEachLocalVoxel(
    grid,
    frame,
    { lateralMm: ru + 2, posteriorMinMm: -rv - 2, posteriorMaxMm: rv + 2, axialMinMm: -h / 2 - 6, axialMaxMm: h / 2 + 6 },
    (index, u, v, w) => {
      if (!betweenEndplates(u, v, w)) return;
      const axial = Math.min(Math.abs((2 * w) / h), 1);
      const radius = 1 + 0.03 * (1 - axial * axial);
      if (square(u / ru) + square(v / rv) > radius * radius || v > 0.78 * rv) return;
      const inNucleus =
        square(u / (0.55 * ru * nucleusFactor)) + square((v - 0.1 * rv) / (0.45 * rv * nucleusFactor)) + square(w / (0.38 * h)) <= 1;
      grid.data[index] = inNucleus ? nucleus : annulus;
    },
  );
}

interface CanalSection {
  offsetMm: number;
  radiusApMm: number;
  radiusLateralMm: number;
}

function canalSectionAt(anatomy: Anatomy, arcMm: number): CanalSection {
  const line = anatomy.centreLine;
  return {
    offsetMm: sampleAtArc(line, anatomy.canalOffsetMm, arcMm),
    radiusApMm: sampleAtArc(line, anatomy.canalRadiusApMm, arcMm),
    radiusLateralMm: sampleAtArc(line, anatomy.canalRadiusLateralMm, arcMm),
  };
}

/** Pedicles, laminae, facet columns, spinous and transverse processes of one vertebra. */
function rasterizePosteriorElements(grid: LabelGrid, anatomy: Anatomy, segment: SpineSegment, frame: SegmentFrame): void {
  const canal = canalSectionAt(anatomy, (segment.topArcMm + segment.bottomArcMm) / 2);
  const h = frame.heightMm;
  const thoracic = segment.name.startsWith('T');
  const canalCentre = canal.offsetMm + 1;
  const innerLateral = canal.radiusLateralMm + 2.5;
  const innerAp = canal.radiusApMm + 3;
  const spinousStart = canalCentre + innerAp + 4;
  const spinousLength = thoracic ? 24 : 30;
  const spinousSlope = thoracic ? 0.8 : 0.3;
  const transverseLength = thoracic ? 16 : 22;
  const archCentre = -0.3 * h;
  const label = LABEL_POSTERIOR_ELEMENTS;
  const outsideCanal = (u: number, v: number): boolean => square(u / innerLateral) + square((v - canalCentre) / innerAp) > 1;

  // Pedicles and laminae (a ring around the canal behind the body) and the facet columns.
  forEachLocalVoxel(
    grid,
    frame,
    {
      lateralMm: innerLateral + 8,
      posteriorMinMm: 0.5 * segment.radiusApMm,
      posteriorMaxMm: canalCentre + innerAp + 7,
      axialMinMm: -0.6 * h,
      axialMaxMm: 0.6 * h,
    },
    (index, u, v, w) => {
      if (!outsideCanal(u, v)) return;
      const axial = (2 * w) / h;
      const ring = square(u / (innerLateral + 7)) + square((v - canalCentre) / (innerAp + 7)) <= 1;
      const arch = ring && axial >= -0.95 && axial <= 0.35 && v >= 0.55 * segment.radiusApMm;
      const facet = Math.abs(Math.abs(u) - (innerLateral + 3)) <= 4.5 && Math.abs(v - canalCentre) <= 6 && axial >= -1.15 && axial <= 1.2;
      if (arch || facet) grid.data[index] = label;
    },
  );

  // Spinous process, sloping down (caudally) as it runs posterior.
  forEachLocalVoxel(
    grid,
    frame,
    {
      lateralMm: 3.5,
      posteriorMinMm: canalCentre,
      posteriorMaxMm: spinousStart + spinousLength,
      axialMinMm: archCentre - 0.24 * h,
      axialMaxMm: archCentre + spinousSlope * spinousLength + 0.24 * h,
    },
    (index, u, v, w) => {
      if (!outsideCanal(u, v)) return;
      const axialCentre = archCentre + spinousSlope * Math.max(v - spinousStart, 0);
      if (Math.abs(w - axialCentre) <= 0.24 * h) grid.data[index] = label;
    },
  );

  // Transverse processes to both sides.
  forEachLocalVoxel(
    grid,
    frame,
    {
      lateralMm: innerLateral + 6 + transverseLength,
      posteriorMinMm: canalCentre - 7,
      posteriorMaxMm: canalCentre + 1,
      axialMinMm: archCentre - 4,
      axialMaxMm: archCentre + 4,
    },
    (index, u) => {
      if (Math.abs(u) >= innerLateral) grid.data[index] = label;
    },
  );
}

/** Sacral body segment (S2..S5) or S1, with alae and the bony roof of the sacral canal. */
function rasterizeSacralSegment(grid: LabelGrid, anatomy: Anatomy, segment: SpineSegment, frame: SegmentFrame, bodyLabel: number): void {
  const canal = canalSectionAt(anatomy, (segment.topArcMm + segment.bottomArcMm) / 2);
  const betweenEndplates = endplateTest(frame);
  const h = frame.heightMm;
  const ru = segment.radiusLateralMm;
  const rv = segment.radiusApMm;
  const alaLength = segment.name === 'S1' ? 30 : segment.name === 'S2' ? 18 : 0;
  const canalCentre = canal.offsetMm;
  const roofLateral = canal.radiusLateralMm + 8;
  const roofAp = canal.radiusApMm + 7;
  forEachLocalVoxel(
    grid,
    frame,
    {
      lateralMm: Math.max(ru + alaLength, roofLateral) + 2,
      posteriorMinMm: -rv - 2,
      posteriorMaxMm: canalCentre + roofAp + 8,
      axialMinMm: -h / 2 - 6,
      axialMaxMm: h / 2 + 6,
    },
    (index, u, v, w) => {
      if (!betweenEndplates(u, v, w)) return;
      const axial = Math.min(Math.abs((2 * w) / h), 1);
      const inCanal = square(u / canal.radiusLateralMm) + square((v - canalCentre) / canal.radiusApMm) <= 1;
      if (inCanal) return;
      const radius = 1 - 0.04 * (1 - axial * axial);
      if (square(u / ru) + square(v / rv) <= radius * radius && v <= 0.75 * rv) {
        grid.data[index] = bodyLabel;
        return;
      }
      const lateralFraction = (Math.abs(u) - 0.5 * ru) / alaLength;
      const ala =
        alaLength > 0 &&
        lateralFraction >= 0 &&
        lateralFraction <= 1 &&
        v >= -0.5 * rv &&
        v <= rv + canal.radiusApMm * (1 - lateralFraction) &&
        axial <= 1 - 0.4 * lateralFraction;
      const roof = square(u / roofLateral) + square((v - canalCentre) / roofAp) <= 1 && v >= 0.5 * rv;
      const crest = Math.abs(u) <= 3 && v >= canalCentre && v <= canalCentre + roofAp + 6;
      if (ala || roof || crest) grid.data[index] = LABEL_SACRUM;
    },
  );
}

/** Centre-line position, tangent and arc length at a given Z, extrapolated past either end. */
function curveAtZ(points: Vec[], tangents: Vec[], stepMm: number, z: number): { point: Vec; tangent: Vec; arcMm: number } {
  const last = points.length - 1;
  if (z <= points[0][2]) {
    const t = tangents[0];
    const along = (z - points[0][2]) / t[2];
    return { point: add(points[0], scale(t, along)), tangent: t, arcMm: along };
  }
  if (z >= points[last][2]) {
    const t = tangents[last];
    const along = (z - points[last][2]) / t[2];
    return { point: add(points[last], scale(t, along)), tangent: t, arcMm: last * stepMm + along };
  }
  let low = 0;
  let high = last;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (points[middle][2] <= z) low = middle;
    else high = middle;
  }
  const fraction = (z - points[low][2]) / (points[high][2] - points[low][2]);
  const point: Vec = add(points[low], scale(sub(points[high], points[low]), fraction));
  const tangent = normalize(add(scale(tangents[low], 1 - fraction), scale(tangents[high], fraction)));
  return { point, tangent, arcMm: (low + fraction) * stepMm };
}

/** Marks voxels of slice k inside an axial ellipse; `test` may veto single voxels. */
function fillEllipse(
  grid: LabelGrid,
  k: number,
  centre: [number, number],
  radii: [number, number],
  label: number,
  test?: (x: number, y: number) => boolean,
): void {
  const [nx, ny] = grid.dims;
  const size = grid.voxelSizeMm;
  const j0 = Math.max(0, Math.floor((centre[1] - radii[1]) / size));
  const j1 = Math.min(ny - 1, Math.ceil((centre[1] + radii[1]) / size));
  const sliceOffset = k * nx * ny;
  for (let j = j0; j <= j1; j += 1) {
    const dy = (j * size - centre[1]) / radii[1];
    if (dy * dy > 1) continue;
    const halfWidth = radii[0] * Math.sqrt(1 - dy * dy);
    const i0 = Math.max(0, Math.ceil((centre[0] - halfWidth) / size));
    const i1 = Math.min(nx - 1, Math.floor((centre[0] + halfWidth) / size));
    if (i1 < i0) continue;
    const rowStart = sliceOffset + j * nx;
    if (test === undefined) {
      grid.data.fill(label, rowStart + i0, rowStart + i1 + 1);
      continue;
    }
    for (let i = i0; i <= i1; i += 1) {
      if (test(i * size, j * size)) grid.data[rowStart + i] = label;
    }
  }
}

/** Body outline, subcutaneous fat, muscles, vessels and canal contents, one axial slice at a time. */
function rasterizeAxialLayers(grid: LabelGrid, anatomy: Anatomy): void {
  const line = anatomy.centreLine;
  const canalAxis = line.points.map((point, index) => add(point, scale(line.posteriors[index], anatomy.canalOffsetMm[index])));
  const totalArc = anatomy.segments[anatomy.segments.length - 1].bottomArcMm;
  const find = (name: string): SpineSegment | undefined => anatomy.segments.find((segment) => segment.name === name);
  const l1Top = find('L1')?.topArcMm ?? 0;
  const s1 = find('S1');
  const s1Top = s1?.topArcMm ?? totalArc;
  const l4 = find('L4');
  const bifurcationArc = l4 === undefined ? s1Top : (l4.topArcMm + l4.bottomArcMm) / 2;
  const [, , nz] = grid.dims;
  const size = grid.voxelSizeMm;

  // The skin follows the spine's curve only partly: the back is flatter than the lordosis and
  // the abdominal wall hardly follows it at all.
  const lumbarSamples = line.points.filter((_, index) => index * line.stepMm >= l1Top && index * line.stepMm <= s1Top);
  const meanBodyY = lumbarSamples.reduce((sum, point) => sum + point[1], 0) / Math.max(lumbarSamples.length, 1);
  const meanCanalY = meanBodyY + anatomy.canalOffsetMm[Math.round(l1Top / line.stepMm)];

  for (let k = 0; k < nz; k += 1) {
    const z = k * size;
    const body = curveAtZ(line.points, line.tangents, line.stepMm, z);
    const canal = curveAtZ(canalAxis, line.tangents, line.stepMm, z);
    const canalArc = Math.min(Math.max(canal.arcMm, 0), totalArc);
    const section = canalSectionAt(anatomy, canalArc);
    const bodyArc = Math.min(Math.max(body.arcMm, 0), totalArc);
    const bodyRadiusAp = anatomy.segments.find((segment) => bodyArc < segment.bottomArcMm)?.radiusApMm ?? 8;
    const bodyRadiusLateral = anatomy.segments.find((segment) => bodyArc < segment.bottomArcMm)?.radiusLateralMm ?? 10;
    // A tube cut by an axial plane is an ellipse stretched by 1 / cos(tilt) along its tilt.
    const stretchAp = 1 / Math.max(Math.abs(canal.tangent[2]), 0.35);

    const gluteal = 25 * smoothStepArc(s1Top, s1Top + 60, body.arcMm);
    const backSkin = 0.4 * canal.point[1] + 0.6 * meanCanalY + anatomy.backDepthMm + gluteal;
    const frontSkin = 0.15 * body.point[1] + 0.85 * meanBodyY - anatomy.frontDepthMm;
    const skinCentre: [number, number] = [body.point[0], (backSkin + frontSkin) / 2];
    const skinRadii: [number, number] = [150, (backSkin - frontSkin) / 2];
    const fat = anatomy.subcutaneousFatMm + 0.4 * gluteal;
    fillEllipse(grid, k, skinCentre, skinRadii, LABEL_SUBCUTANEOUS_FAT);
    fillEllipse(grid, k, skinCentre, [skinRadii[0] - fat, skinRadii[1] - fat], LABEL_SOFT_TISSUE);

    // Paraspinal muscles: a rounded block from the laminae to the subcutaneous fat.
    const muscleFront = canal.point[1] - 4;
    const muscleBack = backSkin - fat - 2;
    const paraspinalFade = 1 - 0.6 * smoothStepArc(s1Top, totalArc + 20, canal.arcMm);
    if (muscleBack > muscleFront + 4) {
      const centre: [number, number] = [canal.point[0], (muscleFront + muscleBack) / 2];
      const halfWidth = 50 * paraspinalFade;
      const halfDepth = (muscleBack - muscleFront) / 2;
      fillEllipse(grid, k, centre, [halfWidth, halfDepth * 1.2], LABEL_MUSCLE, (x, y) => {
        return fourthPower((x - centre[0]) / halfWidth) + fourthPower((y - centre[1]) / halfDepth) <= 1;
      });
    }

    // Psoas muscles beside the lumbar bodies, growing toward L5.
    if (body.arcMm > l1Top && body.arcMm < s1Top + 10) {
      const growth = (body.arcMm - l1Top) / (s1Top - l1Top);
      const radius = 6 + 12 * Math.min(growth, 1);
      for (const side of [-1, 1]) {
        fillEllipse(grid, k, [body.point[0] + side * (bodyRadiusLateral + radius * 0.7), body.point[1] - 2], [radius, radius * 0.9], LABEL_MUSCLE);
      }
    }

    // Aorta (left) and inferior vena cava (right) in front of the spine, ending near L4.
    if (body.arcMm < bifurcationArc) {
      const front = body.point[1] - bodyRadiusAp - 3;
      fillEllipse(grid, k, [body.point[0] + 10, front - 10], [10, 10], LABEL_VESSEL);
      fillEllipse(grid, k, [body.point[0] - 16, front - 9], [11, 8], LABEL_VESSEL);
    }

    // Canal contents: epidural fat, the thecal sac (CSF), then cord or cauda equina inside it.
    if (canal.arcMm < totalArc - 8) {
      const radiusLateral = section.radiusLateralMm;
      const radiusAp = section.radiusApMm * stretchAp;
      const cx = canal.point[0];
      const cy = canal.point[1];
      fillEllipse(grid, k, [cx, cy + 1.5], [radiusLateral + 2.5, radiusAp + 3 * stretchAp], LABEL_EPIDURAL_FAT);
      if (canal.arcMm < anatomy.thecalSacEndArcMm) {
        const taper = 1 - smoothStepArc(anatomy.thecalSacEndArcMm - 25, anatomy.thecalSacEndArcMm, canal.arcMm) * 0.6;
        fillEllipse(grid, k, [cx, cy], [radiusLateral * taper, radiusAp * taper], LABEL_CSF);
        if (canal.arcMm < anatomy.conusArcMm) {
          const conus = 1 - 0.7 * smoothStepArc(anatomy.conusArcMm - 18, anatomy.conusArcMm, canal.arcMm);
          fillEllipse(grid, k, [cx, cy - 1], [5 * conus, 3.8 * conus * stretchAp], LABEL_SPINAL_CORD);
        } else if (canal.arcMm < anatomy.thecalSacEndArcMm - 8) {
          fillEllipse(grid, k, [cx, cy + radiusAp * 0.35], [radiusLateral * 0.5 * taper, radiusAp * 0.35 * taper], LABEL_CAUDA_EQUINA);
        }
      }
    }
  }
}

/** Rasterizes the whole anatomy into a fresh label grid. */
export function rasterizeAnatomy(anatomy: Anatomy, dims: [number, number, number], voxelSizeMm: number): LabelGrid {
  const grid: LabelGrid = { dims, voxelSizeMm, data: new Uint8Array(dims[0] * dims[1] * dims[2]) };
  rasterizeAxialLayers(grid, anatomy);

  const frames = anatomy.segments.map((segment) => segmentFrame(anatomy, segment));
  for (const [index, segment] of anatomy.segments.entries()) {
    if (segment.kind === 'vertebra' && segment.name !== 'S1') rasterizePosteriorElements(grid, anatomy, segment, frames[index]);
  }
  for (const [index, segment] of anatomy.segments.entries()) {
    const frame = frames[index];
    if (segment.kind === 'vertebra' && segment.name !== 'S1') {
      rasterizeBody(grid, segment, frame, vertebraLabel(segment.name as PhantomVertebraLevel));
    } else if (segment.kind === 'disc') {
      rasterizeDisc(grid, segment, frame);
    } else if (segment.name === 'S1') {
      rasterizeSacralSegment(grid, anatomy, segment, frame, vertebraLabel('S1'));
    } else {
      rasterizeSacralSegment(grid, anatomy, segment, frame, LABEL_SACRUM);
    }
  }
  return grid;
}
