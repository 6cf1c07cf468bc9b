import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nameLevels, spineAxisLps, vertebraNameAbove, type LevelCandidate } from '../../../server/inference/levelNaming.ts';

const PITCH_MM = 32;

/**
 * Builds a chain from the sacrum upwards: `vertebraVolumes[0]` sits just above the sacrum, with a
 * disc below each vertebra. The sacrum top is at 0 mm.
 */
function chain(vertebraVolumes: number[], options: { skipDiscs?: number[]; skipVertebrae?: number[] } = {}): LevelCandidate[] {
  const candidates: LevelCandidate[] = [];
  vertebraVolumes.forEach((volumeMm3, level) => {
    const discPosition = 4 + level * PITCH_MM;
    if (!options.skipDiscs?.includes(level)) candidates.push({ id: candidates.length, kind: 'disc', positionMm: discPosition, volumeMm3: 9000 });
    if (!options.skipVertebrae?.includes(level)) {
      candidates.push({ id: candidates.length, kind: 'vertebra', positionMm: discPosition + PITCH_MM / 2, volumeMm3 });
    }
  });
  return candidates;
}

function namesInOrder(candidates: LevelCandidate[], names: Map<number, string>): string[] {
  return [...candidates].sort((a, b) => a.positionMm - b.positionMm).map((candidate) => names.get(candidate.id) ?? '-');
}

const LUMBAR = [30000, 30000, 30000, 29000, 28000];

test('vertebra names above the sacrum', () => {
  assert.equal([0, 1, 5, 6, 7].map(vertebraNameAbove), ['S1', 'L5', 'L1', 'T12', 'T11']);
});

test('naming: five lumbar levels above the sacrum', () => {
  const candidates = chain(LUMBAR);
  const naming = nameLevels(candidates, 0);
  assert.equal(namesInOrder(candidates, naming.names), ['L5/S1', 'L5', 'L4/L5', 'L4', 'L3/L4', 'L3', 'L2/L3', 'L2', 'L1/L2', 'L1']);
  assert.ok(naming.countedFromSacrum);
  assert.equal(naming.flags, []);
});

test('naming: input order does not matter', () => {
  const candidates = chain(LUMBAR).reverse();
  const naming = nameLevels(candidates, 0);
  assert.is(naming.names.get(candidates[candidates.length - 1].id), 'L5/S1');
});

test('naming: thoracic-type body above five lumbar is normal', () => {
  const candidates = chain([...LUMBAR, 18000]);
  const naming = nameLevels(candidates, 0);
  assert.equal(namesInOrder(candidates, naming.names).slice(-2), ['T12/L1', 'T12']);
  assert.equal(naming.flags, []);
});

test('transitional: four lumbar-type bodies', () => {
  const candidates = chain([30000, 30000, 29000, 28000, 17000, 16000]);
  const naming = nameLevels(candidates, 0);
  const flag = naming.flags.find((entry) => entry.code === 'TRANSITIONAL_FOUR_LUMBAR');
  assert.ok(flag, JSON.stringify(naming.flags));
  assert.match(flag.reason, 'Without ribs');
  // Never renamed: the body above the sacrum is still L5.
  assert.equal(namesInOrder(candidates, naming.names).slice(0, 2), ['L5/S1', 'L5']);
  assert.not.ok(naming.flags.some((entry) => entry.code === 'TRANSITIONAL_SIX_LUMBAR'));
});

test('transitional: six lumbar-type bodies', () => {
  const candidates = chain([30000, 30000, 30000, 29000, 28000, 27000, 17000]);
  const naming = nameLevels(candidates, 0);
  const flag = naming.flags.find((entry) => entry.code === 'TRANSITIONAL_SIX_LUMBAR');
  assert.ok(flag, JSON.stringify(naming.flags));
  assert.match(flag.reason, '6 lumbar-type');
  assert.equal(namesInOrder(candidates, naming.names).slice(-4), ['T12/L1', 'T12', 'T11/T12', 'T11']);
});

test('transitional: not judged without a thoracic-type body', () => {
  const candidates = chain([30000, 30000, 30000, 29000, 28000, 27000]);
  const naming = nameLevels(candidates, 0);
  assert.not.ok(naming.flags.some((entry) => entry.code.startsWith('TRANSITIONAL')));
});

test('transitional: not judged without the sacrum', () => {
  const candidates = chain([30000, 30000, 29000, 28000, 17000, 16000]);
  const naming = nameLevels(candidates, null);
  assert.not.ok(naming.flags.some((entry) => entry.code.startsWith('TRANSITIONAL')));
});

test('missing sacrum: count from the lowest disc', () => {
  const candidates = chain(LUMBAR);
  const naming = nameLevels(candidates, null);
  assert.not.ok(naming.countedFromSacrum);
  assert.equal(namesInOrder(candidates, naming.names).slice(0, 3), ['L5/S1', 'L5', 'L4/L5']);
  const flag = naming.flags.find((entry) => entry.code === 'SACRUM_NOT_FOUND');
  assert.ok(flag);
  assert.match(flag.reason, 'lowest disc');
});

test('missing sacrum: body below the lowest disc is S1', () => {
  const candidates: LevelCandidate[] = [{ id: 99, kind: 'vertebra', positionMm: -12, volumeMm3: 30000 }, ...chain(LUMBAR)];
  const naming = nameLevels(candidates, null);
  assert.is(naming.names.get(99), 'S1');
  assert.is(naming.names.get(0), 'L5/S1');
});

test('missing sacrum: fused segments below are S1', () => {
  const below: LevelCandidate[] = [
    { id: 98, kind: 'vertebra', positionMm: -40, volumeMm3: 10000 },
    { id: 99, kind: 'vertebra', positionMm: -12, volumeMm3: 30000 },
  ];
  const candidates = [...below, ...chain(LUMBAR)];
  const naming = nameLevels(candidates, null);
  assert.is(naming.names.get(98), 'S1');
  assert.is(naming.names.get(99), 'S1');
  assert.is(naming.names.get(0), 'L5/S1');
  assert.is(naming.names.get(1), 'L5');
  assert.not.ok(naming.flags.some((flag) => flag.code === 'LEVEL_MISSING'));
});

test('missing sacrum: rudimentary sacral disc skipped', () => {
  // S1 body at -12 mm with a small S1/S2 disc below it; the chain's discs are 9000 mm3.
  const below: LevelCandidate[] = [
    { id: 98, kind: 'disc', positionMm: -30, volumeMm3: 2000 },
    { id: 99, kind: 'vertebra', positionMm: -12, volumeMm3: 27000 },
  ];
  const candidates = [...below, ...chain(LUMBAR)];
  const naming = nameLevels(candidates, null);
  assert.is(naming.names.get(98), undefined);
  assert.is(naming.names.get(99), 'S1');
  assert.is(naming.names.get(0), 'L5/S1');
  assert.is(naming.names.get(1), 'L5');
});

test('missing sacrum: isolated low disc skipped', () => {
  // A lumbar-sized disc 90 mm below L5/S1 with nothing between (the sacrum itself was not found).
  const candidates: LevelCandidate[] = [{ id: 98, kind: 'disc', positionMm: -86, volumeMm3: 4000 }, ...chain(LUMBAR)];
  const naming = nameLevels(candidates, null);
  assert.is(naming.names.get(98), undefined);
  assert.is(naming.names.get(0), 'L5/S1');
  assert.is(naming.names.get(1), 'L5');
  // One level spacing below, the same disc is the lowest lumbar disc.
  const near: LevelCandidate[] = [{ id: 98, kind: 'disc', positionMm: -28, volumeMm3: 9000 }, { id: 99, kind: 'vertebra', positionMm: -12, volumeMm3: 30000 }, ...chain(LUMBAR)];
  assert.is(nameLevels(near, null).names.get(98), 'L5/S1');
});

test('missing sacrum: thin L5/S1 still counts', () => {
  const candidates = chain(LUMBAR);
  const thinDisc = candidates.find((candidate) => candidate.id === 0);
  assert.ok(thinDisc);
  thinDisc.volumeMm3 = 5000;
  const naming = nameLevels(candidates, null);
  assert.is(naming.names.get(0), 'L5/S1');
  assert.is(naming.names.get(1), 'L5');
});

test('missing disc keeps the count', () => {
  const candidates = chain(LUMBAR, { skipDiscs: [2] });
  const naming = nameLevels(candidates, 0);
  assert.equal(namesInOrder(candidates, naming.names), ['L5/S1', 'L5', 'L4/L5', 'L4', 'L3', 'L2/L3', 'L2', 'L1/L2', 'L1']);
  const missing = naming.flags.filter((entry) => entry.code === 'LEVEL_MISSING');
  assert.equal(missing.map((entry) => ('level' in entry ? entry.level : '')), ['L3/L4']);
});

test('missing vertebra keeps the count', () => {
  const candidates = chain(LUMBAR, { skipVertebrae: [1] });
  const naming = nameLevels(candidates, 0);
  assert.equal(namesInOrder(candidates, naming.names), ['L5/S1', 'L5', 'L4/L5', 'L3/L4', 'L3', 'L2/L3', 'L2', 'L1/L2', 'L1']);
  assert.ok(naming.flags.some((entry) => entry.code === 'LEVEL_MISSING' && entry.level === 'L4'));
});

test('split disc keeps one name', () => {
  const candidates = chain(LUMBAR);
  candidates.push({ id: 100, kind: 'disc', positionMm: 4 + 2 * PITCH_MM + 3, volumeMm3: 2000 });
  const naming = nameLevels(candidates, 0);
  assert.is(naming.names.get(100), 'L3/L4');
  assert.is(naming.names.get(candidates.length - 2), 'L1');
});

test('levels below the sacrum top are not named', () => {
  const candidates = [...chain(LUMBAR), { id: 200, kind: 'disc' as const, positionMm: -20, volumeMm3: 3000 }];
  const naming = nameLevels(candidates, 0);
  assert.not.ok(naming.names.has(200));
});

test('field of view cut above L2 flags L1/L2', () => {
  const candidates = chain(LUMBAR.slice(0, 4));
  const naming = nameLevels(candidates, 0);
  const missing = naming.flags.filter((entry) => entry.code === 'LEVEL_MISSING').map((entry) => ('level' in entry ? entry.level : ''));
  assert.equal(missing, ['L1/L2']);
});

test('spine axis points to the head', () => {
  const axis = spineAxisLps([
    [0, 10, -40],
    [0, 5, 0],
    [0, 0, 40],
  ]);
  assert.ok(axis[2] > 0.95, `axis ${axis.join(',')}`);
  const reversed = spineAxisLps([
    [0, 0, 40],
    [0, 5, 0],
    [0, 10, -40],
  ]);
  assert.ok(reversed[2] > 0.95);
});

test.run();

test('S1 body labelled vertebra is sacral', () => {
  // The model labelled the S1 body as a vertebra sitting on the sacrum, with no disc between.
  const candidates = [{ id: 300, kind: 'vertebra' as const, positionMm: 8, volumeMm3: 16000 }, ...chain(LUMBAR).map((candidate) => ({ ...candidate, positionMm: candidate.positionMm + 16 }))];
  const naming = nameLevels(candidates, 0);
  assert.is(naming.names.get(300), 'S1');
  assert.is(naming.names.get(0), 'L5/S1');
  assert.is(naming.names.get(1), 'L5');
});
