import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

import { describeDirectionLps } from '../../../server/qc/patientDirection.ts';

test('axis directions named in patient terms', () => {
  const cases = [
    { directionLps: [1, 0, 0], en: "to the patient's left", zh: '患者左侧' },
    { directionLps: [-1, 0, 0], en: "to the patient's right", zh: '患者右侧' },
    { directionLps: [0, 1, 0], en: 'posterior', zh: '后方' },
    { directionLps: [0, -1, 0], en: 'anterior', zh: '前方' },
    { directionLps: [0, 0, 1], en: 'towards the head', zh: '头侧' },
    { directionLps: [0, 0, -1], en: 'towards the feet', zh: '足侧' },
  ] as const;
  for (const { directionLps, en, zh } of cases) {
    const named = describeDirectionLps(directionLps);
    assert.is(named.en, en, `direction ${directionLps.join(',')}`);
    assert.is(named.zh, zh, `direction ${directionLps.join(',')}`);
  }
});

test('oblique direction names both axes', () => {
  assert.is(describeDirectionLps([0, 0.6, 0.8]).en, 'towards the head and posterior');
  assert.is(describeDirectionLps([0.2, 0, -3]).en, 'towards the feet');
});

test('opposite directions get opposite names', () => {
  const component = fc.double({ min: -1, max: 1, noNaN: true });
  fc.assert(
    fc.property(component, component, component, (x, y, z) => {
      fc.pre(Math.hypot(x, y, z) > 1e-3);
      const forward = describeDirectionLps([x, y, z]).en;
      const backward = describeDirectionLps([-x, -y, -z]).en;
      assert.is.not(forward, backward);
    }),
  );
});

test('zero direction is rejected', () => {
  assert.throws(() => describeDirectionLps([0, 0, 0]), /no length/);
});

test.run();
