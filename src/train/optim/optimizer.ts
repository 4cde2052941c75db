/**
 * The base of faceclr's optimizers: a list of named variables, their gradients (the
 * `NamedTensorMap` that `tf.variableGrads` returns), lazily created state slots, checkpoint
 * export/restore and `dispose()`.
 *
 * Subclasses write only the per-variable update rule (`update`), inside a `tf.tidy` the base opens,
 * assigning new values with `variable.assign` (which releases the old value). Slots are
 * non-trainable `tf.Variable`s, so `tf.variableGrads()` without a `varList` never differentiates
 * them.
 */
import { tf } from '../../engine/tf';
import { checkNonNegative } from './checks';

const BIAS_OR_NORM = /\/(gamma|beta|bias|alpha)(_\d+)?$/;

/**
 * The default exclusion rule for weight decay (and LARS adaptation): batch-norm scales and shifts
 * and biases, recognised by names ending in `/gamma`, `/beta`, `/bias` or `/alpha` (PReLU slopes) (optionally followed by
 * the `_1`, `_2`, ... suffix tfjs-layers adds to repeated weight names, e.g. a BYOL target copy).
 */
export function isBiasOrNormVariable(name: string): boolean {
  return BIAS_OR_NORM.test(name);
}

/** One state tensor as stored in a checkpoint. */
export interface SlotSnapshot {
  shape: number[];
  values: Float32Array;
}

/** An optimizer's state: keys are `<variable name>/<slot>` (e.g. `conv1/kernel/m`). */
export type OptimizerState = Record<string, SlotSnapshot>;

/** Options every optimizer shares. */
export interface WeightDecayOptions {
  /** Weight-decay coefficient λ >= 0 (default 0; AdamW: 0.01). */
  weightDecay?: number;
  /** Variables that skip weight decay (default {@link isBiasOrNormVariable}). */
  excludeFromWeightDecay?: (name: string) => boolean;
}

/** What `update` receives for one variable, inside a `tf.tidy`. */
export interface UpdateContext {
  name: string;
  variable: tf.Variable;
  grad: tf.Tensor;
  lr: number;
  /** 1-based count of updates of this variable (kept only when the optimizer tracks steps). */
  step: number;
  /** Whether weight decay applies: λ > 0 and the variable is not excluded. */
  decay: boolean;
  /** The variable's slots by slot name, same shape as the variable. */
  slots: Record<string, tf.Variable>;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export abstract class Optimizer {
  readonly weightDecay: number;
  readonly excludeFromWeightDecay: (name: string) => boolean;
  private readonly slots = new Map<string, Record<string, tf.Variable>>();
  private readonly steps = new Map<string, number>();
  private disposed = false;

  /**
   * @param label class name used in error messages.
   * @param slotNames per-variable state slots (no `/` in a slot name).
   * @param tracksSteps whether a per-variable step count is kept and checkpointed (`<name>/step`).
   */
  protected constructor(
    protected readonly label: string,
    protected readonly slotNames: readonly string[],
    protected readonly tracksSteps: boolean,
    options: WeightDecayOptions,
    defaultWeightDecay = 0,
  ) {
    this.weightDecay = options.weightDecay ?? defaultWeightDecay;
    checkNonNegative(label, 'options.weightDecay', this.weightDecay);
    this.excludeFromWeightDecay = options.excludeFromWeightDecay ?? isBiasOrNormVariable;
  }

  /** The update rule for one variable; runs inside `tf.tidy` and assigns with `assign`. */
  protected abstract update(context: UpdateContext): void;

  /** A new slot's initial value (default 0). */
  protected initialSlotValue(_slot: string): number {
    return 0;
  }

  /**
   * Applies one update to every variable that has a gradient. Variables without a gradient are
   * left alone (frozen). The caller keeps ownership of `grads`.
   *
   * @param grads gradients by variable name, e.g. `tf.variableGrads(f).grads`.
   * @param variables the variables by name; each gradient's shape must match its variable's.
   * @param lr learning rate >= 0 for this step (e.g. from `lrAt`).
   * @throws when `lr` is negative or not finite, a gradient has no variable or the wrong shape,
   *   or the optimizer was disposed.
   */
  apply(
    grads: Record<string, tf.Tensor>,
    variables: Record<string, tf.Variable>,
    lr: number,
  ): void {
    const fn = `${this.label}.apply`;
    this.assertLive(fn);
    checkNonNegative(fn, 'lr', lr);
    const names = Object.keys(grads);
    // check everything (and create missing slots) before changing any variable
    const slotsByName = names.map((name) => {
      const variable = variables[name];
      if (variable === undefined)
        throw new Error(`${fn}: grads['${name}'] has no variable in variables`);
      if (!tf.util.arraysEqual(grads[name].shape, variable.shape)) {
        throw new Error(
          `${fn}: grads['${name}'] has shape ${shapeText(grads[name].shape)} but the variable has ` +
            `shape ${shapeText(variable.shape)}`,
        );
      }
      return this.slotsFor(fn, name, variable.shape);
    });
    for (const [i, name] of names.entries()) {
      const variable = variables[name];
      const slots = slotsByName[i];
      const step = (this.steps.get(name) ?? 0) + 1;
      if (this.tracksSteps) this.steps.set(name, step);
      const decay = this.weightDecay > 0 && !this.excludeFromWeightDecay(name);
      tf.tidy(() => this.update({ name, variable, grad: grads[name], lr, step, decay, slots }));
    }
  }

  /** A copy of the optimizer's state for a checkpoint; `restore` brings it back exactly. */
  async state(): Promise<OptimizerState> {
    this.assertLive(`${this.label}.state`);
    const out: OptimizerState = {};
    for (const [name, slots] of this.slots) {
      for (const slot of this.slotNames) {
        const values = Float32Array.from((await slots[slot].data()) as Float32Array);
        out[`${name}/${slot}`] = { shape: [...slots[slot].shape], values };
      }
      if (this.tracksSteps) {
        out[`${name}/step`] = { shape: [], values: Float32Array.of(this.steps.get(name) ?? 0) };
      }
    }
    return out;
  }

  /**
   * Replaces the state with one from `state()`. Every variable in `state` must have all slots.
   *
   * @throws when a key is not `<variable>/<slot>` with a known slot, a variable lacks a slot, or
   *   a snapshot's values do not fill its shape.
   */
  restore(state: OptimizerState): void {
    const fn = `${this.label}.restore`;
    this.assertLive(fn);
    const expected = this.tracksSteps ? [...this.slotNames, 'step'] : [...this.slotNames];
    const grouped = new Map<string, Record<string, SlotSnapshot>>();
    for (const [key, snapshot] of Object.entries(state)) {
      const cut = key.lastIndexOf('/');
      const slot = key.slice(cut + 1);
      if (cut <= 0 || !expected.includes(slot)) {
        throw new Error(
          `${fn}: state key '${key}' is not '<variable>/<slot>' with slot one of ` +
            `${expected.join(' | ') || '(none)'}`,
        );
      }
      const size = snapshot.shape.reduce((a, b) => a * b, 1);
      if (snapshot.values.length !== size || (slot === 'step' && size !== 1)) {
        throw new Error(
          `${fn}: state['${key}'] has ${snapshot.values.length} values for shape ${shapeText(snapshot.shape)}`,
        );
      }
      const name = key.slice(0, cut);
      grouped.set(name, { ...grouped.get(name), [slot]: snapshot });
    }
    for (const [name, group] of grouped) {
      const missing = expected.filter((slot) => !(slot in group));
      if (missing.length > 0)
        throw new Error(`${fn}: state for '${name}' lacks slot(s) ${missing.join(', ')}`);
    }
    this.disposeSlots();
    for (const [name, group] of grouped) {
      const slots: Record<string, tf.Variable> = {};
      for (const slot of this.slotNames) {
        const init = tf.tensor(group[slot].values, group[slot].shape, 'float32');
        slots[slot] = tf.variable(init, false);
        init.dispose();
      }
      this.slots.set(name, slots);
      if (this.tracksSteps) this.steps.set(name, Math.round(group.step.values[0]));
    }
  }

  /** Releases every state tensor; the optimizer cannot be used afterwards. Idempotent. */
  dispose(): void {
    this.disposeSlots();
    this.disposed = true;
  }

  private slotsFor(fn: string, name: string, shape: number[]): Record<string, tf.Variable> {
    const existing = this.slots.get(name);
    if (existing) {
      for (const slot of this.slotNames) {
        if (!tf.util.arraysEqual(existing[slot].shape, shape)) {
          throw new Error(
            `${fn}: slot '${name}/${slot}' has shape ${shapeText(existing[slot].shape)} but the ` +
              `variable has shape ${shapeText(shape)}`,
          );
        }
      }
      return existing;
    }
    const slots: Record<string, tf.Variable> = {};
    for (const slot of this.slotNames) {
      const init = tf.fill(shape, this.initialSlotValue(slot), 'float32');
      slots[slot] = tf.variable(init, false);
      init.dispose();
    }
    this.slots.set(name, slots);
    return slots;
  }

  private disposeSlots(): void {
    for (const slots of this.slots.values()) for (const v of Object.values(slots)) v.dispose();
    this.slots.clear();
    this.steps.clear();
  }

  private assertLive(fn: string): void {
    if (this.disposed) throw new Error(`${fn}: the optimizer was disposed`);
  }
}
