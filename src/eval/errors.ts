/**
 * `EvalInputError`: an evaluation input the user can fix (a model folder that is not a faceclr
 * checkpoint, a pairs file without folds, a fold out of range). The CLI reports it as a usage
 * error (exit 2); other errors are bugs or failed runs.
 */
export class EvalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}
