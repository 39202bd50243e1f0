/** Dependency-injection tokens of a run's container. */
export const TOKENS = {
  config: Symbol('trickster.config'),
  runOptions: Symbol('trickster.runOptions'),
  logger: Symbol('trickster.logger'),
  data: Symbol('trickster.data'),
  plugins: Symbol('trickster.plugins'),
} as const;
