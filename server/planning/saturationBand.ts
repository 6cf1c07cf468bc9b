/**
 * A saturation band anterior to the vertebral bodies, parallel to the spine, that suppresses
 * signal (and motion artefacts) from the abdomen.
 */
import type { PlanningProtocol, PlanWarning, Slab } from './types.ts';
import type { Vec3 } from '../geometry/types.ts';
import { add, dot, normalize, scale, subtract } from '../geometry/vec3.ts';
import { principalAxes } from '../geometry/principalAxes.ts';
import { buildSlab } from './slabGeometry.ts';
import { projectionRange, type SpineStructure } from './spineStructures.ts';

export interface SaturationBandOptions {
  /** Distance between the band's posterior face and the most anterior vertebral body, millimetres. Default 5. */
  clearanceMm?: number;
}

/** Plans the band, or returns null with a warning when fewer than two vertebral bodies are labelled. */
export function planSaturationBand(
  protocol: PlanningProtocol,
  structures: SpineStructure[],
  warnings: PlanWarning[],
  options: SaturationBandOptions = {},
): Slab | null {
  const clearanceMm = options.clearanceMm ?? 5;
  // The sacrum slopes away posteriorly, so only the lumbar and thoracic bodies set the band.
  const bodies = structures.filter((structure) => structure.kind === 'vertebra' && structure.name !== 'S1');
  if (bodies.length < 2) {
    warnings.push({
      code: 'LEVEL_MISSING',
      level: 'saturation band',
      message: `Only ${bodies.length} lumbar vertebral bodies are labelled, too few to align the anterior saturation band. Place it by hand.`,
    });
    return null;
  }

  const centroids = bodies.flatMap((body) => [...body.shape.centroidLpsMm]);
  let spineAxis: Vec3 = bodies.length >= 3 ? principalAxes(centroids).axesLps[0] : normalize(subtract(bodies[0].shape.centroidLpsMm, bodies[1].shape.centroidLpsMm));
  if (spineAxis[2] < 0) spineAxis = scale(spineAxis, -1);
  // Posterior direction perpendicular to the spine axis.
  const posterior = normalize(subtract([0, 1, 0], scale(spineAxis, spineAxis[1])));

  let anteriorMostMm = Number.POSITIVE_INFINITY;
  let top = Number.NEGATIVE_INFINITY;
  let bottom = Number.POSITIVE_INFINITY;
  for (const body of bodies) {
    anteriorMostMm = Math.min(anteriorMostMm, projectionRange(body.positionsLpsMm, posterior)[0]);
    const [min, max] = projectionRange(body.positionsLpsMm, spineAxis);
    top = Math.max(top, max);
    bottom = Math.min(bottom, min);
  }

  const thicknessMm = protocol.saturationBand.thicknessMm;
  const mean = scale(bodies.reduce<Vec3>((sum, body) => add(sum, body.shape.centroidLpsMm), [0, 0, 0]), 1 / bodies.length);
  let center = add(mean, scale(posterior, anteriorMostMm - clearanceMm - thicknessMm / 2 - dot(mean, posterior)));
  center = add(center, scale(spineAxis, (top + bottom) / 2 - dot(center, spineAxis)));
  const lengthMm = top - bottom + 40;

  return buildSlab({
    slabId: 'saturation-band',
    kind: 'saturation-band',
    level: `${bodies[0].name}-${bodies[bodies.length - 1].name}`,
    centerLpsMm: center,
    // The band's normal points posterior, towards the spine.
    normalLps: posterior,
    rowHintLps: [1, 0, 0],
    sliceCount: 1,
    sliceThicknessMm: thicknessMm,
    gapPercent: 0,
    fovMm: { rows: Math.round(lengthMm), columns: protocol.fovMm },
    matrix: { rows: protocol.matrix, columns: protocol.matrix },
    phaseEncoding: 'HF',
    rationale: `Saturation band ${thicknessMm} mm thick, ${clearanceMm} mm anterior to the vertebral bodies ${bodies[0].name} to ${bodies[bodies.length - 1].name}, parallel to the spine.`,
  });
}
