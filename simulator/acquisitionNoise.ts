/**
 * Receiver noise of a simulated acquisition. Resampling averages away most of the noise a
 * source volume carries, and pixels outside the volume would be exact zeros, which no scanner
 * produces. So every acquired image gets fresh Rician noise: the magnitude of its value plus
 * Gaussian noise in both quadrature channels.
 */

/** Deterministic uniform generator (mulberry32) on [0, 1). */
export function createUniformRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Returns the value at `fraction` (0 to 1) of the sorted values of all planes, sampling at most `maxSamples`. */
export function percentile(planes: readonly Float32Array[], fraction: number, maxSamples = 200_000): number {
  const total = planes.reduce((sum, plane) => sum + plane.length, 0);
  if (total === 0) return 0;
  const step = Math.max(1, Math.floor(total / maxSamples));
  const samples: number[] = [];
  let index = 0;
  for (const plane of planes) {
    for (; index < plane.length; index += step) samples.push(plane[index]);
    index -= plane.length;
  }
  samples.sort((a, b) => a - b);
  return samples[Math.min(samples.length - 1, Math.floor(fraction * samples.length))];
}

/**
 * Adds Rician noise with Gaussian sigma `noiseFraction` times the 99.5th percentile of the
 * planes, in place. The same seed gives the same noise.
 */
export function addRicianNoise(planes: Float32Array[], noiseFraction: number, seed: number): void {
  if (noiseFraction <= 0) return;
  const sigma = noiseFraction * percentile(planes, 0.995);
  if (!(sigma > 0)) return;
  const random = createUniformRandom(seed);
  const normal = () => {
    // Box-Muller; 1 - random() keeps the logarithm's argument above zero.
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    return radius * Math.cos(2 * Math.PI * random());
  };
  for (const plane of planes) {
    for (let index = 0; index < plane.length; index++) {
      const real = plane[index] + sigma * normal();
      const imaginary = sigma * normal();
      plane[index] = Math.hypot(real, imaginary);
    }
  }
}
