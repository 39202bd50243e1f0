import { PluginConflictError } from './errors.js';

/**
 * The one service that owns the learning rate and weight decay, whatever the optimizer.
 *
 *   lr = override ?? baseLr · scheduleFactor · Π multipliers
 *
 * One plugin may own the schedule factor (warmup/cosine/step...), any number may contribute a
 * multiplier (ReduceLROnPlateau), and one may override the rate outright (SWA's constant rate).
 *
 * Weight decay has two independent parts. Which variables decay: any number of plugins may
 * exempt variables (no-bias-decay), and a variable decays only if none exempts it ({@link decayFor}).
 * Who applies it: the optimizer, except for the variables one plugin takes over and decays
 * itself (LARC folds the decay into the gradient; {@link optimizerDecayFor}).
 * Claiming a single-owner role another plugin already holds is a conflict that names both plugins.
 */
export class HyperParams {
  private scheduleOwner: string | undefined;
  private scheduleFactor = 1;
  private overrideOwner: string | undefined;
  private overrideLr: number | undefined;
  private readonly multipliers = new Map<string, number>();
  private readonly decayExemptions = new Map<string, (variableName: string) => boolean>();
  private decayApplierOwner: string | undefined;
  private decayApplied: (variableName: string) => boolean = () => false;

  constructor(
    /** Learning rate before schedules and multipliers (after any scaling rule). */
    public baseLr: number,
    /** Weight decay coefficient, applied to the variables no plugin exempts. */
    public weightDecay: number,
  ) {}

  /** The learning rate the next optimizer step uses. */
  get lr(): number {
    if (this.overrideLr !== undefined) return this.overrideLr;
    let lr = this.baseLr * this.scheduleFactor;
    for (const m of this.multipliers.values()) lr *= m;
    return lr;
  }

  /** Makes `owner` the only plugin that sets the schedule factor. */
  claimSchedule(owner: string): void {
    this.claim('schedule', this.scheduleOwner, owner);
    this.scheduleOwner = owner;
  }

  /** Sets the schedule factor; `owner` must have claimed the schedule. */
  setScheduleFactor(owner: string, factor: number): void {
    if (this.scheduleOwner !== owner) {
      throw new PluginConflictError(`plugin "${owner}" sets the LR schedule but "${this.scheduleOwner ?? 'nobody'}" owns it`);
    }
    this.scheduleFactor = factor;
  }

  /** Sets a multiplicative factor contributed by `owner` (composes with the schedule). */
  setMultiplier(owner: string, factor: number): void {
    this.multipliers.set(owner, factor);
  }

  /** The factor `owner` contributes (1 if none). */
  multiplier(owner: string): number {
    return this.multipliers.get(owner) ?? 1;
  }

  /** Makes `owner` the only plugin allowed to override the learning rate. */
  claimOverride(owner: string): void {
    this.claim('override', this.overrideOwner, owner);
    this.overrideOwner = owner;
  }

  /** Replaces the computed rate by `lr` until called with undefined. */
  setOverride(owner: string, lr: number | undefined): void {
    if (this.overrideOwner !== owner) {
      throw new PluginConflictError(`plugin "${owner}" overrides the LR but has not claimed it`);
    }
    this.overrideLr = lr;
  }

  /** Exempts from weight decay the variables `exempt` accepts (composes with other exemptions). */
  exemptFromDecay(owner: string, exempt: (variableName: string) => boolean): void {
    this.decayExemptions.set(owner, exempt);
  }

  /** Makes `owner` apply the weight decay of the variables `applies` accepts instead of the optimizer. */
  takeOverDecay(owner: string, applies: (variableName: string) => boolean): void {
    this.claim('weight decay in place of the optimizer', this.decayApplierOwner, owner);
    this.decayApplierOwner = owner;
    this.decayApplied = applies;
  }

  /** Weight decay of one variable: the coefficient, or 0 where a plugin exempts it. */
  decayFor(variableName: string): number {
    for (const exempt of this.decayExemptions.values()) if (exempt(variableName)) return 0;
    return this.weightDecay;
  }

  /** The decay the optimizer applies to one variable: {@link decayFor}, or 0 where a plugin applies it. */
  optimizerDecayFor(variableName: string): number {
    return this.decayApplied(variableName) ? 0 : this.decayFor(variableName);
  }

  private claim(role: string, current: string | undefined, owner: string): void {
    if (current !== undefined && current !== owner) {
      throw new PluginConflictError(
        `plugins "${current}" and "${owner}" both set the ${role}; switch one of them off in the config (plugins: { ${owner}: false })`,
      );
    }
  }
}
