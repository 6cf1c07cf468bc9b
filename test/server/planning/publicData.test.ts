import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { readLocalizerInput } from '../../../server/planning/localizerInput.ts';
import { createPlanner } from '../../../server/planning/planner.ts';
import { loadProtocol } from '../../../server/planning/protocols.ts';
import { angleBetweenAxesDeg } from '../../../server/geometry/vec3.ts';

// Real de-identified T2 volumes with disc labels, read in place and never copied.
const CASE_PATH = join(import.meta.dirname, '../../../../shared/data/lumbar-t2-discs/case-11_image.nii.gz');

test('public disc-labelled case plans five discs', async () => {
  if (!existsSync(CASE_PATH)) {
    process.stdout.write(`\n  skipped: ${CASE_PATH} is absent (public data is optional)\n`);
    return;
  }
  const input = await readLocalizerInput(CASE_PATH);
  assert.ok(input.referenceSegmentation !== null, 'the case has a label map');
  const protocol = { ...loadProtocol(), sagittal: { ...loadProtocol().sagittal, enabled: false } };
  const plan = createPlanner().propose({ segmentation: input.referenceSegmentation, localizer: input.localizer, protocol });
  const slabs = plan.slabs.filter((slab) => slab.kind === 'axial-disc');
  assert.equal(slabs.map((slab) => slab.level), ['L1/L2', 'L2/L3', 'L3/L4', 'L4/L5', 'L5/S1']);
  // The simulator's truth for disc labels is a plane fit to each disc; the planner should agree with it closely.
  for (const slab of slabs) {
    const truth = input.truth.find((disc) => disc.level === slab.level);
    assert.ok(truth !== undefined, slab.level);
    assert.ok(angleBetweenAxesDeg(slab.normalLps, truth.normalLps) < 3, `${slab.level} angle`);
  }
  // Lumbosacral discs are steeper than the upper lumbar ones in a lordotic spine.
  assert.ok(slabs[4].angleToAxialDeg > slabs[1].angleToAxialDeg, 'L5/S1 steeper than L2/L3');
});

test.run();
