/**
 * The forward-backward algorithm over a chain of hops: per-state posterior
 * probabilities from unary factors (`phi`) and pairwise factors between
 * consecutive hops (`psi`). Every layer is normalised as it goes, so long
 * paths never underflow; a layer whose mass vanishes becomes uniform.
 *
 * @module
 */

/**
 * Computes posteriors into `alpha` (overwritten), using `beta` as scratch.
 * States of hop `i` are `st[i] .. st[i+1]-1`; the factor between state `x` of
 * hop `i` and state `y` of hop `i+1` is
 * `psi[pOff[i] + (x - st[i]) * (st[i+2] - st[i+1]) + (y - st[i+1])]`.
 */
export function chainPosteriors(
  n: number,
  st: Int32Array,
  phi: Float64Array,
  psi: Float64Array,
  pOff: Int32Array,
  alpha: Float64Array,
  beta: Float64Array,
): void {
  if (n === 0) return;
  for (let x = st[0]; x < st[1]; x++) alpha[x] = phi[x];
  normalise(alpha, st[0], st[1]);
  for (let i = 1; i < n; i++) {
    const a0 = st[i - 1], a1 = st[i], b1 = st[i + 1], w = b1 - a1;
    const off = pOff[i - 1];
    for (let y = a1; y < b1; y++) {
      let sum = 0;
      for (let x = a0; x < a1; x++) sum += alpha[x] * psi[off + (x - a0) * w + (y - a1)];
      alpha[y] = phi[y] * sum;
    }
    normalise(alpha, a1, b1);
  }
  for (let y = st[n - 1]; y < st[n]; y++) beta[y] = 1;
  for (let i = n - 2; i >= 0; i--) {
    const a0 = st[i], a1 = st[i + 1], b1 = st[i + 2], w = b1 - a1;
    const off = pOff[i];
    for (let x = a0; x < a1; x++) {
      let sum = 0;
      const row = off + (x - a0) * w;
      for (let y = a1; y < b1; y++) sum += psi[row + (y - a1)] * phi[y] * beta[y];
      beta[x] = sum;
    }
    normalise(beta, a0, a1);
  }
  for (let i = 0; i < n; i++) {
    for (let x = st[i]; x < st[i + 1]; x++) alpha[x] *= beta[x];
    normalise(alpha, st[i], st[i + 1]);
  }
}

/** Scales `v[from..to)` to sum 1 (uniform when the sum is 0 or not finite). */
export function normalise(v: Float64Array, from: number, to: number): void {
  let sum = 0;
  for (let x = from; x < to; x++) sum += v[x];
  if (sum > 0 && Number.isFinite(sum)) {
    const inv = 1 / sum;
    for (let x = from; x < to; x++) v[x] *= inv;
  } else {
    const u = 1 / (to - from);
    for (let x = from; x < to; x++) v[x] = u;
  }
}
