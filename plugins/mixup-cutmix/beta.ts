/** A source of uniform numbers in [0, 1): a seeded stream's `next`. */
export type Uniform = () => number;

/** A standard normal draw from two uniforms (Box–Muller; 1 − u keeps the logarithm finite). */
export function normalSample(uniform: Uniform): number {
  const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
  return radius * Math.cos(2 * Math.PI * uniform());
}

/**
 * The logarithm of a Gamma(α, 1) draw. α ≥ 1: Marsaglia & Tsang (2000): d = α − 1/3, c = 1/√(9d),
 * x ~ N(0, 1), v = (1 + cx)³, accept d·v when v > 0 and log u < x²/2 + d − dv + d·log v.
 * α < 1: Gamma(α) = Gamma(α + 1)·U^(1/α), added in log space so that tiny α never underflows to 0.
 */
export function logGammaSample(alpha: number, uniform: Uniform): number {
  if (alpha < 1) return logGammaSample(alpha + 1, uniform) + Math.log(1 - uniform()) / alpha;
  const d = alpha - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normalSample(uniform);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    if (Math.log(1 - uniform()) < (x * x) / 2 + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/** A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b), computed from their logarithms. */
export function betaSample(a: number, b: number, uniform: Uniform): number {
  const logX = logGammaSample(a, uniform);
  const logY = logGammaSample(b, uniform);
  return 1 / (1 + Math.exp(logY - logX));
}
