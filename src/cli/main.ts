/**
 * The `faceclr` command line. `main` returns the exit code (see errors.ts) instead of exiting,
 * so tests can drive it.
 */
import { Command, CommanderError } from 'commander';
import { BackendUnavailableError } from '../engine/backend';
import { benchCommand } from './commands/bench';
import { pretrainCommand } from './commands/pretrain';
import { finetuneCommand } from './commands/finetune';
import { recipeCommand } from './commands/recipe';
import { dataCommand } from './commands/data';
import { demoCommand } from './commands/demo';
import { embedCommand, verifyCommand } from './commands/embed_verify';
import { probeCommand } from './commands/probe';
import { exportCommand } from './commands/export';
import { reportCommand } from './commands/report';
import { evalCommands } from './commands/eval';
import { EXIT, UsageError } from './errors';

const VERSION: string = require('../../package.json').version;

export function buildProgram(): Command {
  const program = new Command('faceclr')
    .description(
      'Contrastive self-supervised pretraining, margin-loss fine-tuning and evaluation of face-recognition backbones on TensorFlow.js',
    )
    .version(VERSION)
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu (env FACECLR_BACKEND)')
    .option('--threads <n>', 'wasm threads (env FACECLR_THREADS)', (v) => parseInt(v, 10))
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(benchCommand());
  program.addCommand(pretrainCommand());
  program.addCommand(finetuneCommand());
  program.addCommand(recipeCommand());
  program.addCommand(dataCommand());
  program.addCommand(demoCommand());
  program.addCommand(embedCommand());
  program.addCommand(verifyCommand());
  program.addCommand(exportCommand());
  program.addCommand(reportCommand());
  evalCommands().forEach((command) => program.addCommand(command));
  program.addCommand(probeCommand());
  program.addHelpText(
    'after',
    '\nExamples:\n  faceclr bench engine --json\n  FACECLR_BACKEND=wasm faceclr bench engine --compare cpu',
  );
  const override = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.exitCode === 0
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`faceclr: ${message}\n`);
    return err instanceof UsageError || err instanceof BackendUnavailableError
      ? EXIT.usage
      : EXIT.failed;
  }
}
