import { test } from 'uvu';
import * as assert from 'uvu/assert';

import type { Vec3 } from '../../../server/geometry/types.ts';
import { buildLocalizerGrid, lpsToGridIjk, sampleAtLps, sampleTrilinear } from '../../../server/qc/localizerGrid.ts';
import { buildLocalizer } from './qcFixtures.ts';

const { localizer } = buildLocalizer({ spacingMm: 4, noiseSigma: 5 });
const grid = buildLocalizerGrid(localizer);

test('grid maps pixel centres to their indices', () => {
  const image = localizer.images[3];
  const g = image.geometry;
  const point: Vec3 = [
    g.imagePositionLpsMm[0] + 10 * g.spacingBetweenColumnsMm * g.rowCosineLps[0] + 20 * g.spacingBetweenRowsMm * g.columnCosineLps[0],
    g.imagePositionLpsMm[1] + 10 * g.spacingBetweenColumnsMm * g.rowCosineLps[1] + 20 * g.spacingBetweenRowsMm * g.columnCosineLps[1],
    g.imagePositionLpsMm[2] + 10 * g.spacingBetweenColumnsMm * g.rowCosineLps[2] + 20 * g.spacingBetweenRowsMm * g.columnCosineLps[2],
  ];
  const [i, j, k] = lpsToGridIjk(grid, point);
  assert.ok(Math.abs(i - 10) < 1e-9, `i ${i}`);
  assert.ok(Math.abs(j - 20) < 1e-9, `j ${j}`);
  assert.ok(Math.abs(k - 3) < 1e-9, `k ${k}`);
  assert.is(sampleTrilinear(grid, 10, 20, 3), image.pixels[20 * g.columns + 10]);
  assert.is(sampleAtLps(grid, point[0], point[1], point[2]), image.pixels[20 * g.columns + 10]);
  assert.ok(Number.isNaN(sampleTrilinear(grid, -1, 0, 0)));
});

test.run();
