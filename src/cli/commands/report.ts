/**
 * `faceclr report <runDir>`: (re)writes `<runDir>/report.html` from the run's `metrics.jsonl`,
 * `eval*.json` (and `eval/*.json`) and `recipe.json`.
 *
 * Exit codes: 0 written; 2 the folder does not exist, holds nothing to report, or an eval file is
 * not JSON; 1 the file could not be written.
 */
import * as fs from 'fs';
import { Command, Option } from 'commander';
import { loadRunReport, writeReport } from '../../report';
import { UsageError } from '../errors';
import { info, printJson } from '../output';

export function reportCommand(): Command {
  return new Command('report')
    .description(
      'write <runDir>/report.html: training curves, ROC, score histograms, accuracy tables',
    )
    .argument('<runDir>', 'run folder (metrics.jsonl, eval*.json)')
    .option('--title <text>', 'page title (default: the folder name)')
    .addOption(
      new Option('--roc-axis <axis>', 'ROC false-accept-rate axis')
        .choices(['log', 'linear', 'both'])
        .default('both'),
    )
    .option('--json', 'print machine-readable results only')
    .addHelpText(
      'after',
      '\nExamples:\n  faceclr report runs/simclr-cpu\n  faceclr report runs/simclr-cpu --roc-axis log --json',
    )
    .action(async (runDir: string, opts) => {
      if (!fs.existsSync(runDir) || !fs.statSync(runDir).isDirectory()) {
        throw new UsageError(`report: '${runDir}' is not a directory`);
      }
      let data;
      try {
        data = loadRunReport(runDir);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const evaluations = [data.evaluation ?? []].flat();
      if ((data.metrics ?? []).length === 0 && evaluations.length === 0) {
        throw new UsageError(
          `report: '${runDir}' has no metrics.jsonl rows and no eval*.json files`,
        );
      }
      if (opts.title !== undefined) data.title = opts.title;
      const file = await writeReport(runDir, data, { rocAxis: opts.rocAxis });
      const result = {
        file,
        metricsRows: (data.metrics ?? []).length,
        evaluations: evaluations.map((e) => e.name),
      };
      if (opts.json) printJson(result);
      else
        info(
          `report: wrote ${file} (${result.metricsRows} metrics rows, ${evaluations.length} evaluations)`,
        );
    });
}
