import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Vec3 } from '../../../../server/geometry/types.ts';
import { decomposeOffset } from '../../../../server/inference/evaluation/planComparison.ts';

function close(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${label}: ${actual}, expected ${expected}`);
}

test('offset: true axial slab', () => {
  const offset = decomposeOffset([1, 2, 3], [0, 0, 1]);
  close(offset.alongNormal, 3, 'along normal');
  close(offset.posterior, 2, 'posterior');
  close(offset.left, 1, 'left');
});

test('offset: normal pointing to the feet', () => {
  const offset = decomposeOffset([1, 2, 3], [0, 0, -1]);
  close(offset.alongNormal, 3, 'along normal');
  close(offset.left, 1, 'left');
});

test('offset: tilted slab keeps the length', () => {
  const tiltRad = (20 * Math.PI) / 180;
  const normal: Vec3 = [0, -Math.sin(tiltRad), Math.cos(tiltRad)];
  const offsetLpsMm: Vec3 = [0.5, -1.5, 2.5];
  const offset = decomposeOffset(offsetLpsMm, normal);
  close(Math.hypot(offset.alongNormal, offset.posterior, offset.left), Math.hypot(...offsetLpsMm), 'length');
  close(offset.alongNormal, -1.5 * -Math.sin(tiltRad) + 2.5 * Math.cos(tiltRad), 'along normal');
  close(offset.left, 0.5, 'left');
  // Moving along the normal alone has no in-plane part.
  const alongOnly = decomposeOffset([0, 2 * normal[1], 2 * normal[2]], normal);
  close(alongOnly.posterior, 0, 'posterior of a pure normal shift');
});

test.run();
