/**
 * A momentum copy of online modules (MoCo's key encoder, BYOL's target network): a second set of
 * variables, initialised equal to the online ones, non-trainable, and run through the *online
 * modules' own forward code*.
 *
 * Why not a second backbone object: faceclr's modules are closures over their `ParamStore`
 * variables, and tfjs variable names are global (a second `ResNetBackbone` would re-register
 * `stem/conv/kernel`). So the target owns variables named `<prefix>/<online name>` and
 * {@link TargetNetwork.run} binds them to the online variables for the duration of one forward
 * pass (a `functional_call`): every online variable is assigned the target's value, the forward
 * runs, and the online values are put back. The whole call is one detached op (no gradient tape),
 * so nothing in it is differentiated and the online gradients are unaffected.
 *
 * Batch norm: the target runs in training mode (batch statistics, as MoCo and BYOL do), and the
 * running statistics it updates are written back to the *target's* non-trainable variables. Only
 * trainable variables form momentum pairs; the target's running statistics follow its own
 * forward passes (as the buffers of MoCo's key encoder).
 */
import { tf } from '../engine/tf';
import { detached } from '../losses/stop_gradient';
import type { ParamStore } from '../models/params';
import type { MomentumPair } from './base';

/** What a target can shadow: anything with a `ParamStore` (backbones, heads). */
export interface ParameterisedModule {
  readonly params: ParamStore;
}

export class TargetNetwork {
  private readonly pairs: { online: tf.Variable; target: tf.Variable }[] = [];
  private disposed = false;

  /**
   * @param modules the online modules to copy (e.g. `[backbone, projector]`).
   * @param prefix prefix of the target variables' names (default `target`).
   * @example
   * const target = new TargetNetwork([backbone, projector]);
   * const keys = target.run(() => projector.apply(backbone.apply(x, ctx), ctx)); // detached
   */
  constructor(modules: readonly ParameterisedModule[], prefix = 'target') {
    for (const module of modules) {
      for (const online of module.params.variables.values()) {
        // equal to the online value (the data is shared until either side is assigned)
        const target = tf.variable(online, false, `${prefix}/${online.name}`);
        this.pairs.push({ online, target });
      }
    }
  }

  /** Trainable online variables with their targets, for {@link updateMomentum}. */
  momentumPairs(): MomentumPair[] {
    return this.pairs.filter((p) => p.online.trainable).map((p) => [p.online, p.target] as const);
  }

  /** Every target variable (weights and batch-norm statistics) by name, for checkpoints. */
  variables(): Record<string, tf.Variable> {
    return Object.fromEntries(this.pairs.map(({ target }) => [target.name, target]));
  }

  /**
   * Runs `forward` (written against the online modules) with the target's values, off the tape.
   *
   * @param forward builds one tensor from the online modules' `apply` (e.g. projections [N,P]).
   * @returns its output, a constant (no gradient flows back through it).
   * @throws Error naming `TargetNetwork.run` after `dispose()`.
   */
  run<T extends tf.Tensor>(forward: () => T): T {
    if (this.disposed) throw new Error('TargetNetwork.run: the target network has been disposed');
    return detached(() => {
      const saved = this.pairs.map(({ online }) => tf.clone(online));
      for (const { online, target } of this.pairs) online.assign(target);
      try {
        const out = forward();
        // running statistics updated by this forward belong to the target
        for (const { online, target } of this.pairs) if (!online.trainable) target.assign(online);
        return out;
      } finally {
        this.pairs.forEach(({ online }, i) => online.assign(saved[i]));
      }
    });
  }

  dispose(): void {
    for (const { target } of this.pairs) target.dispose();
    this.pairs.length = 0;
    this.disposed = true;
  }
}
