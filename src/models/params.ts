/**
 * A named store of a model's variables. Names are paths (`stage2/block0/conv1/kernel`) so that
 * checkpoints, weight decay exclusions (`/gamma`, `/beta`, `/bias`) and momentum pairs can refer
 * to them. Non-trainable variables (batch-norm running statistics) live here too.
 */
import { tf } from '../engine/tf';
import { Rng } from '../util/random';

export type Initializer = 'he' | 'glorot' | 'zeros' | 'ones' | { constant: number };

export class ParamStore {
  readonly variables = new Map<string, tf.Variable>();
  private readonly trainableNames = new Set<string>();

  constructor(private readonly rng: Rng) {}

  /**
   * Creates a variable. He initialisation (He et al. 2015, "Delving deep into rectifiers"):
   * normal with std sqrt(2 / fanIn); fanIn = product of all dims but the last.
   * @throws if `name` already exists.
   */
  create(name: string, shape: number[], init: Initializer, trainable = true): tf.Variable {
    if (this.variables.has(name)) throw new Error(`ParamStore.create: '${name}' already exists`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1) || 1;
    const fanOut = shape[shape.length - 1] ?? 1;
    if (init === 'he' || init === 'glorot') {
      const std = init === 'he' ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) values[i] = this.rng.normal(0, std);
    } else if (init === 'ones') values.fill(1);
    else if (typeof init === 'object') values.fill(init.constant);
    const initial = tf.tensor(values, shape);
    const variable = tf.variable(initial, trainable, name);
    initial.dispose();
    this.variables.set(name, variable);
    if (trainable) this.trainableNames.add(name);
    return variable;
  }

  get(name: string): tf.Variable {
    const v = this.variables.get(name);
    if (!v) throw new Error(`ParamStore.get: no variable '${name}'`);
    return v;
  }

  /** Trainable variables by name (what optimizers update). */
  trainable(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const name of this.trainableNames) out[name] = this.variables.get(name)!;
    return out;
  }

  /** All variables by name, trainable or not (what checkpoints hold). */
  all(): Record<string, tf.Variable> {
    return Object.fromEntries(this.variables);
  }

  /** Number of trainable scalars. */
  countTrainable(): number {
    let n = 0;
    for (const name of this.trainableNames) n += this.variables.get(name)!.size;
    return n;
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
    this.trainableNames.clear();
  }
}
