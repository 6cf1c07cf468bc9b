import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { readLocalizerInput } from '../../../server/planning/localizerInput.ts';
import { createPlanner } from '../../../server/planning/planner.ts';
import { loadProtocol } from '../../../server/planning/protocols.ts';
import { formatPlan } from '../../../server/planning/planCommand.ts';
import { angleBetweenAxesDeg, distance } from '../../../server/geometry/vec3.ts';

// The phantom's ground truth: each disc's centre is the midpoint of its endplate centres and its
// normal the mean of the endplate normals, from the construction, not from the voxels.
test('phantom plan matches its ground truth', async () => {
  const input = await readLocalizerInput('phantom:7');
  assert.ok(input.referenceSegmentation !== null);
  const plan = createPlanner().propose({ segmentation: input.referenceSegmentation, localizer: input.localizer, protocol: loadProtocol() });
  const discSlabs = plan.slabs.filter((slab) => slab.kind === 'axial-disc');
  assert.ok(discSlabs.length >= 4, `${discSlabs.length} disc slabs`);

  const angleErrors: number[] = [];
  const centerErrors: number[] = [];
  for (const slab of discSlabs) {
    const truth = input.truth.find((disc) => disc.level === slab.level);
    assert.ok(truth !== undefined, `no truth for ${slab.level}`);
    angleErrors.push(angleBetweenAxesDeg(slab.normalLps, truth.normalLps));
    centerErrors.push(distance(slab.centerLpsMm, truth.centerLpsMm));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  assert.ok(median(angleErrors) <= 1.5, `angle errors ${angleErrors.map((value) => value.toFixed(2)).join(', ')}`);
  assert.ok(Math.max(...angleErrors) <= 4, `angle errors ${angleErrors.map((value) => value.toFixed(2)).join(', ')}`);
  assert.ok(median(centerErrors) <= 1.5, `centre errors ${centerErrors.map((value) => value.toFixed(2)).join(', ')}`);

  const table = formatPlan(plan, input, input.referenceSegmentation);
  assert.match(table, /angle err/);
  assert.match(table, /L4\/L5/);
});

test.run();
