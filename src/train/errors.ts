/**
 * Errors of a pretraining run. `PretrainSetupError` is something the user fixes by changing the
 * command (an output folder with another run's checkpoints, a resume with a changed recipe): the
 * CLI exits 2. `TrainingDivergedError` is a failed run (NaN/Inf loss): exit 1.
 */
export class PretrainSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PretrainSetupError';
  }
}

export class TrainingDivergedError extends Error {
  constructor(
    message: string,
    /** The 0-based step whose loss was not finite. */
    readonly step: number,
    /** The last good checkpoint folder, if any. */
    readonly checkpoint: string | undefined,
  ) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}
