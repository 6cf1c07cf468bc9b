import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { createPlanner } from '../../../server/planning/planner.ts';
import { loadProtocol } from '../../../server/planning/protocols.ts';
import { makeLocalizer, makeSpine, rasterizeSpine } from './syntheticSpine.ts';

interface ObjectSchema {
  required: string[];
  properties: Record<string, unknown>;
}

const schema = JSON.parse(readFileSync(join(import.meta.dirname, '../../../docs/plan.schema.json'), 'utf8')) as ObjectSchema & { $defs: Record<string, ObjectSchema> };

function checkKeys(value: object, objectSchema: ObjectSchema, where: string): void {
  const keys = Object.keys(value).sort();
  assert.equal(keys, Object.keys(objectSchema.properties).filter((key) => key in value).sort(), `${where}: keys not in the schema`);
  for (const required of objectSchema.required) assert.ok(required in value, `${where}: missing ${required}`);
}

test('plan JSON follows the documented schema', () => {
  const localizer = makeLocalizer({ rows: 120, columns: 100, pixelSpacingMm: 2.5 });
  const segmentation = rasterizeSpine(makeSpine({}), localizer, { omit: ['L1/L2'] });
  const protocol = { ...loadProtocol(), saturationBand: { enabled: true, thicknessMm: 30 } };
  const plan = JSON.parse(JSON.stringify(createPlanner().propose({ segmentation, localizer, protocol }))) as Record<string, unknown>;
  checkKeys(plan, schema, 'plan');
  const slabs = plan.slabs as Array<Record<string, unknown>>;
  assert.ok(slabs.length >= 5);
  for (const slab of slabs) checkKeys(slab, schema.$defs.slab, `slab ${String(slab.slabId)}`);
  const warnings = plan.warnings as Array<Record<string, unknown>>;
  assert.ok(warnings.length >= 1);
  for (const warning of warnings) checkKeys(warning, schema.$defs.warning, `warning ${String(warning.code)}`);
});

test.run();
