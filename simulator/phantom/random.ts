/**
 * Seeded pseudo-random numbers for the phantom, so that one seed always yields the same anatomy
 * and the same noise on every platform. The generator is SplitMix32: a 32-bit state advanced by
 * a fixed odd increment and passed through an integer mixing function.
 */

/** Deterministic random source; every draw advances the one shared state. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** Integer uniform in [min, max], both ends included. */
  integer(min: number, max: number): number;
  /** True with the given probability. */
  chance(probability: number): boolean;
  /** Standard normal draw (Box-Muller). */
  normal(): number;
}

/** Creates a random source from any finite number; the seed is folded to 32 bits. */
export function createRandom(seed: number): Random {
  if (!Number.isFinite(seed)) {
    throw new RangeError(`Phantom seed ${seed} is not a finite number. Pass an integer seed such as 1.`);
  }
  let state = (Math.trunc(seed) ^ 0x5bd1e995) >>> 0;

  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x21f0aaad);
    mixed = Math.imul(mixed ^ (mixed >>> 15), 0x735a2d97);
    mixed = (mixed ^ (mixed >>> 15)) >>> 0;
    return mixed / 4294967296;
  };

  const normal = (): number => {
    const u1 = Math.max(next(), 1e-12);
    const u2 = next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };

  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    integer: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (probability) => next() < probability,
    normal,
  };
}
