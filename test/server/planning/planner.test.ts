import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { createPlanner } from '../../../server/planning/planner.ts';
import { loadProtocol } from '../../../server/planning/protocols.ts';
import { PlanningError } from '../../../server/planning/errors.ts';
import type { Plan, PlanningProtocol, Slab } from '../../../server/planning/types.ts';
import { PATIENT_POSITIONS, type Vec3 } from '../../../server/geometry/types.ts';
import { rotateAboutAxis } from '../../../server/geometry/rotation.ts';
import { addScaled, angleBetweenAxesDeg, cross, distance, dot, length } from '../../../server/geometry/vec3.ts';
import { findSlabCrossing } from '../../../server/planning/crossing.ts';
import { makeLocalizer, makeSpine, rasterizeSpine, sagittalLocalizerAxes, type DiscGeometry, type LocalizerOptions, type SpineOptions } from './syntheticSpine.ts';

const routine = loadProtocol('lumbar-routine');
const fixedClock = () => new Date('2026-12-04T20:00:00Z');
const planner = createPlanner({ now: fixedClock });

const MAX_ANGLE_ERROR_DEG = 1.5;
const MAX_CENTER_ERROR_MM = 1.5;

function planFor(spine: SpineOptions, localizer: LocalizerOptions = {}, protocol: PlanningProtocol = routine, rasterize: Parameters<typeof rasterizeSpine>[2] = {}): { plan: Plan; discs: DiscGeometry[] } {
  const discs = makeSpine(spine);
  const series = makeLocalizer({ centerLpsMm: spine.centerLpsMm, ...localizer });
  const segmentation = rasterizeSpine(discs, series, rasterize);
  return { plan: planner.propose({ segmentation, localizer: series, protocol }), discs };
}

function discSlabs(plan: Plan): Slab[] {
  return plan.slabs.filter((slab) => slab.kind === 'axial-disc');
}

function assertMatchesTruth(plan: Plan, discs: DiscGeometry[], label: string): void {
  for (const slab of discSlabs(plan)) {
    const truth = discs.find((disc) => disc.level === slab.level);
    assert.ok(truth !== undefined, `${label}: unexpected level ${slab.level}`);
    const angleErrorDeg = angleBetweenAxesDeg(slab.normalLps, truth.normalLps);
    const centerErrorMm = distance(slab.centerLpsMm, truth.centerLpsMm);
    assert.ok(angleErrorDeg <= MAX_ANGLE_ERROR_DEG, `${label} ${slab.level}: angle error ${angleErrorDeg.toFixed(2)} deg`);
    assert.ok(centerErrorMm <= MAX_CENTER_ERROR_MM, `${label} ${slab.level}: centre error ${centerErrorMm.toFixed(2)} mm`);
  }
}

test('upright spine plans five disc slabs', () => {
  const { plan, discs } = planFor({});
  assert.equal(discSlabs(plan).map((slab) => slab.level), ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1']);
  assertMatchesTruth(plan, discs, 'upright');
  assert.is(plan.revision, 0);
  assert.is(plan.protocolName, 'lumbar-routine');
  assert.is(plan.createdAt, '2026-12-04T20:00:00.000Z');
  assert.match(plan.planId, /^plan-[0-9a-f]{8}$/);
});

test('spine variants match the truth', () => {
  const cases: Array<{ name: string; spine: SpineOptions }> = [
    { name: 'sagittal-tilt-15deg', spine: { sagittalTiltDeg: 15 } },
    { name: 'lordosis-10deg-per-level', spine: { lordosisStepDeg: 10 } },
    { name: 'coronal-tilt-8deg', spine: { coronalTiltDeg: 8 } },
    { name: 'axial-rotation-15deg', spine: { axialRotationDeg: 15 } },
    { name: 'shifted', spine: { centerLpsMm: [12, -25, 40] } },
    { name: 'wedge-14deg', spine: { wedgeDeg: 14 } },
    { name: 'combined', spine: { sagittalTiltDeg: -8, coronalTiltDeg: 5, axialRotationDeg: -10, centerLpsMm: [-6, 10, -15] } },
  ];
  for (const { name, spine } of cases) {
    const { plan, discs } = planFor(spine);
    assert.is(discSlabs(plan).length, 5, name);
    assertMatchesTruth(plan, discs, name);
  }
});

test('every patient position gives the same plan', () => {
  const spine: SpineOptions = { sagittalTiltDeg: 6, coronalTiltDeg: 3 };
  const reference = planFor(spine).plan;
  for (const position of PATIENT_POSITIONS) {
    const axes = sagittalLocalizerAxes(position);
    const { plan, discs } = planFor(spine, { ...axes, patientPosition: position });
    assertMatchesTruth(plan, discs, position);
    for (const slab of discSlabs(plan)) {
      const same = discSlabs(reference).find((candidate) => candidate.level === slab.level);
      assert.ok(same !== undefined);
      assert.ok(angleBetweenAxesDeg(slab.normalLps, same.normalLps) < 0.5, `${position} ${slab.level}`);
    }
  }
});

test('oblique localizer plans within tolerance', () => {
  const row = rotateAboutAxis(rotateAboutAxis([0, 1, 0], [0, 0, 1], 12), [0, 1, 0], 8);
  const column = rotateAboutAxis(rotateAboutAxis([0, 0, -1], [0, 0, 1], 12), [0, 1, 0], 8);
  const { plan, discs } = planFor({ sagittalTiltDeg: 5 }, { rowCosine: row, columnCosine: column });
  assert.is(discSlabs(plan).length, 5);
  assertMatchesTruth(plan, discs, 'oblique');
});

test('disc slab geometry follows the protocol', () => {
  const { plan } = planFor({ sagittalTiltDeg: 10 });
  for (const slab of discSlabs(plan)) {
    assert.ok(Math.abs(length(slab.normalLps) - 1) < 1e-9);
    assert.ok(Math.abs(dot(slab.rowCosineLps, slab.columnCosineLps)) < 1e-9);
    const handedness = cross(slab.rowCosineLps, slab.columnCosineLps);
    assert.ok(distance(handedness, slab.normalLps) < 1e-9, 'row x column = normal');
    assert.ok(slab.normalLps[2] > 0, 'normal points to the head');
    assert.ok(slab.rowCosineLps[0] > 0.9, 'rows run to the patient left');
    assert.ok(Math.abs(slab.columnCosineLps[1]) > 0.9, 'columns run anterior-posterior');
    assert.is(slab.phaseEncoding, 'AP');
    assert.is(slab.sliceCount, 5);
    assert.is(slab.sliceThicknessMm, 4);
    assert.ok(Math.abs(slab.gapMm - 0.4) < 1e-9);
    assert.ok(Math.abs(slab.sliceSpacingMm - 4.4) < 1e-9);
    assert.equal(slab.fovMm, { rows: 180, columns: 180 });
    assert.equal(slab.matrix, { rows: 256, columns: 256 });
    assert.ok(Math.abs(slab.angleToAxialDeg - angleBetweenAxesDeg(slab.normalLps, [0, 0, 1])) < 1e-9);
    assert.ok(slab.rationale.length > 20, slab.rationale);
    assert.not.ok(slab.rationale.includes('\n'), 'rationale is one line');
    // The middle slice centre is the slab centre; the first pixel sits half a pixel inside the FOV corner.
    const pixelMm = 180 / 256;
    let middle: Vec3 = addScaled(slab.firstSlicePositionLpsMm, slab.normalLps, 2 * slab.sliceSpacingMm);
    middle = addScaled(middle, slab.rowCosineLps, (180 - pixelMm) / 2);
    middle = addScaled(middle, slab.columnCosineLps, (180 - pixelMm) / 2);
    assert.ok(distance(middle, slab.centerLpsMm) < 1e-9);
  }
});

test('missing disc is planned from vertebrae', () => {
  const { plan, discs } = planFor({}, {}, routine, { omit: ['L2/L3'] });
  assert.is(discSlabs(plan).length, 5);
  assert.ok(plan.warnings.some((warning) => warning.code === 'DISC_FROM_VERTEBRAE' && warning.level === 'L2/L3'));
  assert.not.ok(plan.warnings.some((warning) => warning.code === 'LEVEL_MISSING' && warning.level === 'L2/L3'));
  assertMatchesTruth(plan, discs, 'missing L2/L3 disc');
});

test('missing level gives partial plan', () => {
  const { plan, discs } = planFor({}, {}, routine, { omit: ['L2/L3', 'L2'] });
  assert.equal(discSlabs(plan).map((slab) => slab.level), ['L1/L2', 'L3/L4', 'L4/L5', 'L5/S1']);
  const warning = plan.warnings.find((candidate) => candidate.code === 'LEVEL_MISSING' && candidate.level === 'L2/L3');
  assert.ok(warning !== undefined);
  assert.match(warning.message, /L2\/L3/);
  assertMatchesTruth(plan, discs, 'missing L2/L3');
});

test('single disc gives one slab and reasons', () => {
  const { plan, discs } = planFor({}, {}, routine, { omit: ['L1/L2', 'L2/L3', 'L3/L4', 'L5/S1', 'L1', 'L2', 'L3', 'S1'] });
  assert.equal(discSlabs(plan).map((slab) => slab.level), ['L4/L5']);
  assert.is(plan.warnings.filter((warning) => warning.code === 'LEVEL_MISSING').length >= 4, true);
  assertMatchesTruth(plan, discs, 'single disc');
});

test('split disc ignores the far part', () => {
  // A small blob at the top of L2 is labelled L4/L5, as a level mix-up in the segmentation would.
  const l1l2 = makeSpine({})[0];
  const { plan, discs } = planFor({}, {}, routine, {
    relabel: (name, point) => {
      const belowL1L2Mm = l1l2.centerLpsMm[2] - point[2];
      const nearAxis = Math.hypot(point[0] - l1l2.centerLpsMm[0], point[1] - l1l2.centerLpsMm[1]) < 8;
      return name === 'L2' && nearAxis && belowL1L2Mm < 11 ? 'L4/L5' : name;
    },
  });
  const split = plan.warnings.find((warning) => warning.code === 'DISC_SPLIT' && warning.level === 'L4/L5');
  assert.ok(split !== undefined, JSON.stringify(plan.warnings));
  assert.match(split.message, /ignored/);
  assertMatchesTruth(plan, discs, 'split disc');
});

test('vertebrae without discs plan from endplates', () => {
  const { plan, discs } = planFor({ sagittalTiltDeg: 10 }, {}, routine, { omit: ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1'] });
  const slabs = discSlabs(plan);
  assert.is(slabs.length, 5);
  assert.is(plan.warnings.filter((warning) => warning.code === 'DISC_FROM_VERTEBRAE').length, 5);
  assert.match(slabs[2].rationale, /facing endplates of L3 and L4/);
  for (const slab of slabs) {
    const truth = discs.find((disc) => disc.level === slab.level);
    assert.ok(truth !== undefined);
    // Endplates alone rise about one pixel across a disc, so the angle is less precise than with a disc label.
    assert.ok(angleBetweenAxesDeg(slab.normalLps, truth.normalLps) <= 2.5, `${slab.level} angle`);
    assert.ok(distance(slab.centerLpsMm, truth.centerLpsMm) <= MAX_CENTER_ERROR_MM, `${slab.level} centre`);
  }
});

test('no discs or vertebrae raises a planning error', () => {
  try {
    planFor({}, {}, routine, { omit: ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1', 'L2', 'L3', 'L4', 'L5'] });
    assert.unreachable('expected ERR_NO_PLANNABLE_LEVELS');
  } catch (error) {
    assert.instance(error, PlanningError);
    assert.is((error as PlanningError).code, 'ERR_NO_PLANNABLE_LEVELS');
    assert.match((error as Error).message, /by hand/);
  }
});

test('label map of another grid raises', () => {
  const discs = makeSpine({});
  const series = makeLocalizer({});
  const segmentation = rasterizeSpine(discs, makeLocalizer({ rows: 100, columns: 80, pixelSpacingMm: 3 }));
  try {
    planner.propose({ segmentation, localizer: series, protocol: routine });
    assert.unreachable('expected ERR_LABEL_MAP_MISMATCH');
  } catch (error) {
    assert.is((error as PlanningError).code, 'ERR_LABEL_MAP_MISMATCH');
  }
});

test('segmentation flags become warnings', () => {
  const discs = makeSpine({});
  const series = makeLocalizer({});
  const segmentation = rasterizeSpine(discs, series);
  segmentation.flags = [{ code: 'TRANSITIONAL_SIX_LUMBAR', reason: 'Six lumbar-type vertebrae were counted.' }];
  const plan = planner.propose({ segmentation, localizer: series, protocol: routine });
  assert.ok(plan.warnings.some((warning) => warning.code === 'TRANSITIONAL_SIX_LUMBAR'));
});

test('contiguous stack covers L3 to S1', () => {
  const protocol = loadProtocol('lumbar-stack-l3-s1');
  const { plan, discs } = planFor({ sagittalTiltDeg: 6 }, {}, { ...protocol, sliceCount: 40 });
  const stack = plan.slabs.find((slab) => slab.kind === 'axial-stack');
  assert.ok(stack !== undefined);
  assert.is(stack.level, 'L3-S1');
  const rangeDiscs = discs.filter((disc) => ['L3/L4', 'L4/L5', 'L5/S1'].includes(disc.level));
  const meanNormal = rangeDiscs.reduce<Vec3>((sum, disc) => [sum[0] + disc.normalLps[0], sum[1] + disc.normalLps[1], sum[2] + disc.normalLps[2]], [0, 0, 0]);
  assert.ok(angleBetweenAxesDeg(stack.normalLps, meanNormal) < MAX_ANGLE_ERROR_DEG);
  // The stack reaches from above the L3/L4 disc (L3 is 28 mm tall) to below L5/S1.
  const halfExtentMm = ((stack.sliceCount - 1) * stack.sliceSpacingMm + stack.sliceThicknessMm) / 2;
  for (const disc of rangeDiscs) {
    const along = dot([disc.centerLpsMm[0] - stack.centerLpsMm[0], disc.centerLpsMm[1] - stack.centerLpsMm[1], disc.centerLpsMm[2] - stack.centerLpsMm[2]], stack.normalLps);
    assert.ok(Math.abs(along) < halfExtentMm - 4, `${disc.level} inside the stack`);
  }
  assert.ok(stack.sliceCount > 20, `${stack.sliceCount} slices`);
  assert.ok(stack.sliceCount <= 40, `${stack.sliceCount} slices`);
  assert.ok(plan.slabs.some((slab) => slab.kind === 'saturation-band'));
});

test('short stack protocol warns', () => {
  const protocol = loadProtocol('lumbar-stack-l3-s1');
  const { plan } = planFor({}, {}, { ...protocol, sliceCount: 10 });
  assert.ok(plan.warnings.some((warning) => warning.code === 'STACK_TOO_SHORT'));
  assert.is(plan.slabs.find((slab) => slab.kind === 'axial-stack')?.sliceCount, 10);
});

test('sagittal stack follows coronal tilt', () => {
  const { plan } = planFor({ coronalTiltDeg: 10 }, { slices: 31, sliceSpacingMm: 3 });
  const sagittal = plan.slabs.find((slab) => slab.kind === 'sagittal');
  assert.ok(sagittal !== undefined);
  const coronalAngleDeg = angleBetweenAxesDeg(sagittal.normalLps, [1, 0, 0]);
  assert.ok(Math.abs(coronalAngleDeg - 10) < 2, `coronal angle ${coronalAngleDeg.toFixed(2)}`);
  assert.match(sagittal.rationale, /angled/);
  assert.is(sagittal.phaseEncoding, 'HF');
  assert.ok(sagittal.columnCosineLps[2] < -0.9, 'columns run head to feet');
  // Covers both foramina: at least the body width (40 mm) plus 12 mm on each side.
  const coverageMm = (sagittal.sliceCount - 1) * sagittal.sliceSpacingMm + sagittal.sliceThicknessMm;
  assert.ok(coverageMm >= 64, `coverage ${coverageMm}`);
});

test('narrow localizer gives true sagittal', () => {
  const { plan } = planFor({ coronalTiltDeg: 10 }, { slices: 7 });
  const sagittal = plan.slabs.find((slab) => slab.kind === 'sagittal');
  assert.ok(sagittal !== undefined);
  assert.ok(angleBetweenAxesDeg(sagittal.normalLps, [1, 0, 0]) < 1e-9);
  assert.match(sagittal.rationale, /true sagittal because/);
  assert.ok(plan.warnings.some((warning) => warning.code === 'LEVEL_MISSING' && warning.level === 'T12'));
});

test('saturation band lies anterior to the bodies', () => {
  const protocol: PlanningProtocol = { ...routine, saturationBand: { enabled: true, thicknessMm: 30 } };
  const { plan, discs } = planFor({ sagittalTiltDeg: 5 }, {}, protocol);
  const band = plan.slabs.find((slab) => slab.kind === 'saturation-band');
  assert.ok(band !== undefined);
  assert.is(band.sliceCount, 1);
  assert.is(band.sliceThicknessMm, 30);
  assert.ok(band.normalLps[1] > 0.9, 'normal points posterior');
  const posteriorFace = addScaled(band.centerLpsMm, band.normalLps, 15);
  for (const disc of discs) {
    // The anterior edge of each body lies 16 mm anterior to the disc centre line; the band stays in front of it.
    const anteriorEdge: Vec3 = [disc.centerLpsMm[0], disc.centerLpsMm[1] - 16, disc.centerLpsMm[2]];
    const gapMm = dot([anteriorEdge[0] - posteriorFace[0], anteriorEdge[1] - posteriorFace[1], anteriorEdge[2] - posteriorFace[2]], band.normalLps);
    assert.ok(gapMm > 0, `${disc.level}: band reaches ${(-gapMm).toFixed(1)} mm into the body`);
  }
});

test('thick slabs crossing near the spine lose slices', () => {
  const protocol: PlanningProtocol = { ...routine, sliceCount: 11 };
  const { plan } = planFor({ lordosisStepDeg: 12 }, {}, protocol);
  const slabs = discSlabs(plan);
  assert.ok(plan.warnings.some((warning) => warning.code === 'SLICES_REDUCED'), JSON.stringify(plan.warnings.map((warning) => warning.code)));
  assert.ok(slabs.some((slab) => slab.sliceCount < 11));
  for (let index = 1; index < slabs.length; index += 1) {
    const crossing = findSlabCrossing(slabs[index - 1], slabs[index]);
    assert.ok(crossing === null || crossing.distanceFromAxisMm > 30, `${slabs[index - 1].level} and ${slabs[index].level}`);
  }
});

test('discs without vertebrae use disc surfaces', () => {
  const { plan, discs } = planFor({ sagittalTiltDeg: 8 }, {}, { ...routine, sagittal: { ...routine.sagittal, enabled: false } }, { omit: ['L1', 'L2', 'L3', 'L4', 'L5', 'S1'] });
  assert.is(discSlabs(plan).length, 5);
  assertMatchesTruth(plan, discs, 'discs only');
  assert.match(discSlabs(plan)[0].rationale, /disc surfaces/);
});

test.run();
