#!/usr/bin/env node
// Regenerates the results table of issue 7 (docs/results.json + docs/results.md) by running the
// faceclr CLI, one `--json` command at a time: every number in the table comes from a command
// that this script ran and records (`command`), and a row whose commands did not all succeed is
// absent. Protocol and costs: docs/results-protocol.md.
//
//   node scripts/results.js --budget 60                       # the full table (many hours on 2 cores)
//   node scripts/results.js --quick --methods simclr --out /tmp/faceclr-quick   # smoke run
//   node scripts/results.js --help
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
// Each method: its CPU recipe (recipes/pretrain/<recipe>-cpu.json), the --set overrides that make
// the variant, and its label in the table. The five frameworks run by default; the loss variants
// on request (--methods simclr-dcl,...).
const METHODS = {
  simclr: { recipe: 'simclr', sets: [], label: 'SimCLR' },
  moco: { recipe: 'moco', sets: [], label: 'MoCo v2' },
  byol: { recipe: 'byol', sets: [], label: 'BYOL' },
  simsiam: { recipe: 'simsiam', sets: [], label: 'SimSiam' },
  swav: { recipe: 'swav', sets: [], label: 'SwAV' },
  'simclr-dcl': { recipe: 'simclr', sets: ['framework.loss=dcl'], label: 'SimCLR (DCL loss)' },
  'simclr-dclw': { recipe: 'simclr', sets: ['framework.loss=dclw'], label: 'SimCLR (DCLW loss)' },
};
const ALL_METHODS = ['simclr', 'moco', 'byol', 'simsiam', 'swav'];
const KNOWN_METHODS = Object.keys(METHODS);
const BASELINES = ['pixels', 'random', 'arcface-scratch'];
// --tune: View 1 candidates per method (each a list of --set overrides on the CPU recipe).
const CANDIDATES = {
  simclr: [['framework.temperature=0.1'], ['framework.temperature=0.2'], ['framework.temperature=0.5']],
  moco: [['framework.temperature=0.1'], ['framework.temperature=0.2'], ['optimizer.lr=0.06']],
  byol: [['optimizer.lr=0.0005'], ['optimizer.lr=0.001'], ['optimizer.lr=0.002']],
  simsiam: [['optimizer.lr=0.0125'], ['optimizer.lr=0.025'], ['optimizer.lr=0.05']],
  swav: [['framework.temperature=0.1'], ['framework.temperature=0.2'], ['framework.prototypes=256']],
};
CANDIDATES['simclr-dcl'] = CANDIDATES.simclr;
CANDIDATES['simclr-dclw'] = CANDIDATES.simclr;

const HELP = `Usage: node scripts/results.js [options]

Runs pretraining, LFW evaluation, probes and ArcFace fine-tuning through the faceclr CLI and
writes <out>/results.json and <out>/results.md (the table of issue 7).

Options:
  --budget <min>            pretraining wall-clock minutes per method (default 60); the steps
                            are derived from a measured step time (a short calibration run)
  --finetune-budget <min>   minutes per fine-tuning run (each of the two halves; default = --budget)
  --methods <list>          comma list of ${KNOWN_METHODS.join(',')}
                            (default ${ALL_METHODS.join(',')})
  --baselines <list>        comma list of ${BASELINES.join(',')}, or 'none' (default all)
  --steps <n>               pretraining steps (skips the calibration; overrides --budget)
  --finetune-steps <n>      fine-tuning steps per half (skips the calibration)
  --tune                    choose each method's hyper-parameters on LFW View 1 first
                            (pairsDevTrain.txt threshold, pairsDevTest.txt accuracy)
  --tune-budget <min>       minutes per tuning candidate (default --budget / 4)
  --out <dir>               where results.json / results.md go (default docs/)
  --append                  keep the rows already in <out>/results.json (another invocation's,
                            e.g. a variant run later) and add this run's
  --runs <dir>              run folders (default runs/results-<date>)
  --data <dir>              the shared data folder (default ../shared/data)
  --cli <dev|bin>           node scripts/dev.js (the sources; default) or node bin/faceclr.js
                            (needs an up-to-date npm run build)
  --backend <name>          passed to every command (default: the CLI's own, FACECLR_BACKEND)
  --threads <n>             passed to every command (default: FACECLR_THREADS, else all cores)
  --no-finetune             pretraining rows only: no ArcFace fine-tuning of the methods
  --no-pixel-probe          skip the raw-pixel probe (kNN and a linear probe on 27,648-dim rows,
                            96×96×3: the slowest step of the baselines); its probe fields are null
  --quick                   smoke run: 3 steps everywhere, LFW folds 1-2, fine-tuning verified on
                            2 held-out folds, no flip-sum, probe people with >= 30 images,
                            no raw-pixel probe.
                            Its numbers are not results: write them outside docs/.
  -h, --help                this help
`;

function parseArgs(argv) {
  const o = {
    budget: 60,
    finetuneBudget: undefined,
    methods: ALL_METHODS,
    baselines: BASELINES,
    steps: undefined,
    finetuneSteps: undefined,
    tune: false,
    tuneBudget: undefined,
    out: 'docs',
    runs: undefined,
    data: '../shared/data',
    cli: undefined,
    backend: undefined,
    threads: undefined,
    quick: false,
    append: false,
    pixelProbe: true,
    finetune: true,
  };
  const num = (flag, v) => {
    const n = Number(v);
    if (!(n > 0)) throw new Error(`${flag} must be a positive number, got '${v}'`);
    return n;
  };
  const int = (flag, v) => {
    const n = num(flag, v);
    if (!Number.isInteger(n)) throw new Error(`${flag} must be an integer, got '${v}'`);
    return n;
  };
  for (let i = 2; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case '--budget': o.budget = num(flag, value()); break;
      case '--finetune-budget': o.finetuneBudget = num(flag, value()); break;
      case '--methods': {
        o.methods = value().split(',').map((s) => s.trim()).filter(Boolean);
        const bad = o.methods.filter((m) => !KNOWN_METHODS.includes(m));
        if (bad.length) throw new Error(`--methods: unknown ${bad.join(', ')} (known: ${KNOWN_METHODS.join(', ')})`);
        break;
      }
      case '--baselines': {
        const v = value();
        o.baselines = v === 'none' ? [] : v.split(',').map((s) => s.trim()).filter(Boolean);
        const bad = o.baselines.filter((m) => !BASELINES.includes(m));
        if (bad.length) throw new Error(`--baselines: unknown ${bad.join(', ')} (known: ${BASELINES.join(', ')})`);
        break;
      }
      case '--steps': o.steps = int(flag, value()); break;
      case '--finetune-steps': o.finetuneSteps = int(flag, value()); break;
      case '--tune': o.tune = true; break;
      case '--tune-budget': o.tuneBudget = num(flag, value()); break;
      case '--out': o.out = value(); break;
      case '--runs': o.runs = value(); break;
      case '--data': o.data = value(); break;
      case '--cli': o.cli = value(); if (!['dev', 'bin'].includes(o.cli)) throw new Error(`--cli must be dev or bin`); break;
      case '--backend': o.backend = value(); break;
      case '--threads': o.threads = int(flag, value()); break;
      case '--quick': o.quick = true; break;
      case '--append': o.append = true; break;
      case '--no-pixel-probe': o.pixelProbe = false; break;
      case '--no-finetune': o.finetune = false; break;
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); break;
      default: throw new Error(`unknown option '${flag}' (see --help)`);
    }
  }
  if (o.finetuneBudget === undefined) o.finetuneBudget = o.budget;
  if (o.tuneBudget === undefined) o.tuneBudget = o.budget / 4;
  if (o.quick) {
    o.pixelProbe = false;
    o.steps ??= 3;
    o.finetuneSteps ??= 3;
  }
  // dev by default: it always runs the current sources, and a dist/ rebuilt (or stale) during a
  // many-hour run cannot break or change it half-way.
  o.cli ??= 'dev';
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  o.runs ??= o.quick ? path.join(os.tmpdir(), `faceclr-results-quick-${stamp}`, 'runs') : `runs/results-${stamp}`;
  return o;
}

// ---- running the CLI ---------------------------------------------------------------------------

const rel = (p) => {
  const r = path.relative(ROOT, path.resolve(ROOT, p));
  return r.startsWith('..' + path.sep + '..') || path.isAbsolute(r) ? path.resolve(ROOT, p) : r;
};
const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

function makeCli(opts, log) {
  const prefix = opts.cli === 'bin' ? ['bin/faceclr.js'] : ['scripts/dev.js'];
  const globals = [];
  if (opts.backend) globals.push('--backend', opts.backend);
  if (opts.threads) globals.push('--threads', String(opts.threads));
  /** Runs `faceclr <args>` with --json; returns {ok, json, wallSeconds, command, stderr}. */
  return function run(args) {
    const argv = [...prefix, ...globals, ...args, '--json'];
    const command = ['node', ...argv].map(quote).join(' ');
    log(`$ ${command}`);
    const started = process.hrtime.bigint();
    const child = spawnSync(process.execPath, argv, {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    let json;
    try {
      json = JSON.parse(child.stdout);
    } catch {
      json = null;
    }
    const ok = child.status === 0 && json !== null;
    log(
      ok
        ? `  ok in ${wallSeconds.toFixed(1)} s`
        : `  FAILED (exit ${child.status ?? child.signal}) in ${wallSeconds.toFixed(1)} s:\n    ${(child.stderr || '').trim().split('\n').slice(0, 12).join('\n    ')}`,
    );
    return { ok, json, wallSeconds, command, stderr: child.stderr, exit: child.status };
  };
}

/** A recipe with its `extends` chain merged (for the warm-up values to clamp). */
function readRecipe(file) {
  const full = path.resolve(ROOT, file);
  const own = JSON.parse(fs.readFileSync(full, 'utf8'));
  if (!own.extends) return own;
  const base = readRecipe(path.resolve(path.dirname(full), own.extends));
  const merge = (a, b) => {
    if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || b === null || Array.isArray(b)) return b;
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in a ? merge(a[k], v) : v;
    return out;
  };
  return merge(base, own);
}

const invocationLine = () => `node scripts/results.js ${process.argv.slice(2).map(quote).join(' ')}`;

// ---- main ------------------------------------------------------------------------------------

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv);
  } catch (e) {
    process.stderr.write(`results: ${e.message}\n`);
    process.exit(2);
  }
  const outDir = path.resolve(ROOT, opts.out);
  if (opts.quick && outDir === path.resolve(ROOT, 'docs')) {
    process.stderr.write('results: --quick numbers are not results; pass --out outside docs/ (e.g. /tmp/faceclr-quick)\n');
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.mkdirSync(path.resolve(ROOT, opts.runs), { recursive: true });
  const logFile = path.join(outDir, 'results.log');
  const logStream = fs.openSync(logFile, 'a');
  const log = (line) => {
    process.stderr.write(`${line}\n`);
    fs.writeSync(logStream, `${line}\n`);
  };
  const run = makeCli(opts, log);
  log(`# ${invocationLine()}`);
  const started = new Date();
  let finished = null;
  const lfw = rel(path.join(opts.data, 'lfw'));
  const lfwImages = rel(path.join(opts.data, 'lfw', 'images'));
  const utk = rel(path.join(opts.data, 'utkface', 'images'));
  const runs = rel(opts.runs);
  // --append: the rows, tuning and invocations of earlier runs into the same <out> stay
  const readEarlier = (file, fallback) =>
    opts.append && fs.existsSync(path.join(outDir, file)) ? JSON.parse(fs.readFileSync(path.join(outDir, file), 'utf8')) : fallback;
  const rows = readEarlier('results.json', []);
  const tuning = readEarlier('results-tuning.json', []);
  const earlierInvocations = readEarlier('results-meta.json', { invocations: [] }).invocations;
  const failures = [];
  const notes = [];
  /** Adds a row; with --append it replaces an earlier invocation's row of the same method and stage. */
  const addRow = (row) => {
    const old = rows.findIndex((r) => r.method === row.method && r.stage === row.stage);
    if (old >= 0) rows.splice(old, 1, row);
    else rows.push(row);
  };
  const invocation = invocationLine();

  // Machine, backend and threads up front, from `eval embed --json` on one image (a second); each
  // row's details then take them from its own command's --json.
  const probeDir = fs.readdirSync(path.resolve(ROOT, lfwImages)).sort()[0];
  const env = run(['eval', 'embed', '--model', 'pixels', '--data', path.join(lfwImages, probeDir)]);
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((v) => v.toFixed(2)).join(' '),
    backend: env.ok ? env.json.backend : null,
    threads: env.ok ? env.json.threads : null,
  };
  log(`machine: ${JSON.stringify(machine)}`);

  const flip = opts.quick ? ['--no-flip'] : [];
  const lfwFolds = opts.quick ? ['--folds', '1-2'] : [];
  const minImages = opts.quick ? '30' : '10';
  const halves = [
    { train: '1-5', test: [6, 7, 8, 9, 10] },
    { train: '6-10', test: [1, 2, 3, 4, 5] },
  ];
  if (opts.quick) {
    halves[0].test = [6, 7];
    halves[1].test = [1, 2];
  }
  // the backend and threads the row's own command reported (--json carries them), else the machine's
  const details = (json, extra) => ({ backend: json?.backend ?? machine.backend, threads: json?.threads ?? machine.threads, ...extra });

  const invocations = () => [
    ...earlierInvocations,
    { command: invocation, started: started.toISOString(), finished: finished?.toISOString() ?? null,
      seconds: finished ? Math.round((finished - started) / 1000) : null, machine, machineCommand: env.command, notes, failures },
  ];
  const write = () => {
    fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(rows, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, 'results-meta.json'), `${JSON.stringify({ invocations: invocations() }, null, 2)}\n`);
    if (tuning.length) fs.writeFileSync(path.join(outDir, 'results-tuning.json'), `${JSON.stringify(tuning, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, 'results.md'), markdown());
  };

  /** steps for `minutes` of training, from a short calibration run's images/s. */
  function calibrate(kind, recipe, extra, batch, minutes, dir) {
    const k = 6;
    const args =
      kind === 'pretrain'
        ? ['pretrain', recipe, '--data', utk, '--out', dir, '--set', `train.steps=${k}`, '--set', 'schedule.warmupSteps=0', ...extra]
        : ['finetune', recipe, '--data', lfw, '--lfw-train-folds', '1-5', '--out', dir, '--no-eval',
           '--set', `train.steps=${k}`, '--set', 'schedule.warmupSteps=0', '--set', 'train.warmupHeadSteps=0', ...extra];
    const r = run(args);
    if (!r.ok || !(r.json.imagesPerSecond > 0)) return null;
    const steps = Math.max(1, Math.floor((minutes * 60 * r.json.imagesPerSecond) / batch));
    log(`  calibration: ${r.json.imagesPerSecond.toFixed(2)} images/s at batch ${batch} -> ${steps} steps in ${minutes} min`);
    return { steps, imagesPerSecond: r.json.imagesPerSecond, command: r.command, wallSeconds: r.wallSeconds };
  }

  /** --set overrides that keep a recipe's warm-ups within a short run. */
  function warmups(recipe, steps) {
    const r = readRecipe(recipe);
    const sets = [];
    const w = r.schedule?.warmupSteps ?? 0;
    if (w > Math.floor(steps / 10)) sets.push('--set', `schedule.warmupSteps=${Math.floor(steps / 10)}`);
    const h = r.train?.warmupHeadSteps ?? 0;
    if (h > Math.floor(steps / 10)) sets.push('--set', `train.warmupHeadSteps=${Math.floor(steps / 10)}`);
    return sets;
  }

  const frozenEval = (model, extra = []) => run(['eval', 'lfw', '--model', model, '--data', lfw, ...lfwFolds, ...flip, ...extra]);
  const probe = (model, extra = []) => run(['probe', '--model', model, '--data', lfwImages, '--min-images', minImages, ...flip, ...extra]);

  /** ArcFace on both identity-disjoint halves; the mean of the two held-out accuracies. */
  function finetuneBoth(name, recipe, from, steps) {
    const results = [];
    for (const h of halves) {
      const dir = path.join(runs, `${name}-train${h.train}`);
      const args = ['finetune', recipe, '--data', lfw, '--lfw-train-folds', h.train, '--out', dir,
        '--set', `train.steps=${steps}`, ...warmups(recipe, steps), '--set', `eval.folds=${JSON.stringify(h.test)}`];
      if (from) args.push('--from', from);
      const r = run(args);
      if (!r.ok || !r.json.evaluation) {
        failures.push({ what: `${name} fine-tuning on folds ${h.train}`, command: r.command, exit: r.exit });
        return null;
      }
      results.push(r);
    }
    const perFold = results.flatMap((r) => r.json.evaluation.folds);
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const acc = mean(results.map((r) => r.json.evaluation.accuracy));
    const m = mean(perFold);
    const std = Math.sqrt(mean(perFold.map((a) => (a - m) ** 2)));
    return {
      json: results[0].json,
      lfwAccuracy: acc,
      lfwStd: std,
      wallSeconds: results.reduce((a, r) => a + r.wallSeconds, 0),
      imagesPerSecond: mean(results.map((r) => r.json.imagesPerSecond)),
      command: results.map((r) => r.command).join(' && '),
      halves: results.map((r) => ({
        testFolds: r.json.evaluation.foldIds,
        accuracy: r.json.evaluation.accuracy,
        std: r.json.evaluation.std,
        thresholdFolds: r.json.evaluation.thresholdFolds,
        steps: r.json.step,
        images: r.json.images,
        classes: r.json.classes,
        trainSeconds: r.json.elapsedSeconds,
        wallSeconds: r.wallSeconds,
      })),
    };
  }

  // fine-tuning steps: shared by every fine-tuning row, ArcFace from scratch included
  let ftSteps = opts.finetuneSteps;
  let ftSource = `--finetune-steps ${ftSteps}`;
  const needFinetune = (opts.finetune && opts.methods.length > 0) || opts.baselines.includes('arcface-scratch');
  if (ftSteps === undefined && needFinetune) {
    const batch = readRecipe('recipes/finetune/arcface-cpu.json').train.batch;
    const c = calibrate('finetune', 'recipes/finetune/arcface-cpu.json', [], batch, opts.finetuneBudget, path.join(runs, 'calibrate-finetune'));
    if (c) {
      ftSteps = c.steps;
      ftSource = `${opts.finetuneBudget} min at the ${c.imagesPerSecond.toFixed(2)} images/s of \`${c.command}\``;
    } else {
      notes.push('The fine-tuning calibration failed: no fine-tuning rows.');
    }
  }
  if (ftSteps !== undefined && needFinetune) notes.push(`Fine-tuning steps per half: ${ftSteps} (${ftSource}).`);

  // ---- baselines ----
  if (opts.baselines.includes('pixels')) {
    const e = frozenEval('pixels');
    const p = e.ok && opts.pixelProbe ? probe('pixels') : null;
    if (!opts.pixelProbe) notes.push('Raw pixels: the probe was not run (--no-pixel-probe); its probe fields are empty, not zero.');
    if (e.ok && (p?.ok || !opts.pixelProbe)) {
      addRow({
        method: 'raw pixels', stage: 'baseline',
        lfwAccuracy: e.json.accuracy, lfwStd: e.json.std,
        linearProbeTop1: p ? p.json.linearTop1 : null, knnTop1: p ? p.json.knnTop1 : null,
        wallSeconds: e.wallSeconds + (p ? p.wallSeconds : 0), imagesPerSecond: e.json.imagesPerSecond,
        command: [e.command, p?.command].filter(Boolean).join(' && '),
        details: details(e.json, { lfwFolds: e.json.foldIds, probePeople: p ? p.json.identities : null, imagesPerSecondIs: 'LFW embedding' }),
      });
    } else failures.push({ what: 'raw pixels baseline', command: (p ?? e).command });
    write();
  }
  if (opts.baselines.includes('random')) {
    const e = frozenEval('random', ['--backbone', 'resnet18-narrow', '--seed', '0', '--input-size', '64']);
    const p = e.ok ? probe('random', ['--backbone', 'resnet18-narrow', '--seed', '0', '--input-size', '64']) : null;
    if (e.ok && p?.ok) {
      addRow({
        method: 'random-init resnet18-narrow', stage: 'baseline',
        lfwAccuracy: e.json.accuracy, lfwStd: e.json.std,
        linearProbeTop1: p.json.linearTop1, knnTop1: p.json.knnTop1,
        wallSeconds: e.wallSeconds + p.wallSeconds, imagesPerSecond: e.json.imagesPerSecond,
        command: `${e.command} && ${p.command}`,
        details: details(e.json, { lfwFolds: e.json.foldIds, probePeople: p.json.identities, imagesPerSecondIs: 'LFW embedding' }),
      });
    } else failures.push({ what: 'random-init baseline', command: (p ?? e).command });
    write();
  }
  if (opts.baselines.includes('arcface-scratch') && ftSteps !== undefined) {
    const f = finetuneBoth('arcface-scratch', 'recipes/finetune/arcface-cpu.json', null, ftSteps);
    if (f) {
      addRow({
        method: 'ArcFace from scratch', stage: 'baseline',
        lfwAccuracy: f.lfwAccuracy, lfwStd: f.lfwStd, linearProbeTop1: null, knnTop1: null,
        wallSeconds: f.wallSeconds, imagesPerSecond: f.imagesPerSecond, command: f.command,
        details: details(f.json, { steps: ftSteps, halves: f.halves, imagesPerSecondIs: 'fine-tuning (mean of the halves)' }),
      });
    }
    write();
  }

  // ---- methods ----
  for (const method of opts.methods) {
    const recipe = `recipes/pretrain/${METHODS[method].recipe}-cpu.json`;
    const variant = METHODS[method].sets; // the --set overrides that make this variant
    const batch = readRecipe(recipe).train.batch;
    let chosen = [];
    let hpNote = `recipe defaults (${recipe}); not tuned on View 1 in this run`;
    if (opts.tune) {
      let tuneSteps = opts.quick ? opts.steps : undefined;
      if (tuneSteps === undefined) {
        const c = calibrate('pretrain', recipe, variant.flatMap((s) => ['--set', s]), batch, opts.tuneBudget, path.join(runs, `calibrate-tune-${method}`));
        tuneSteps = c?.steps;
      }
      let best = null;
      for (const [i, cand] of (tuneSteps ? CANDIDATES[method] : []).entries()) {
        const dir = path.join(runs, `tune-${method}-${i}`);
        const sets = [...variant, ...cand].flatMap((s) => ['--set', s]);
        const t = run(['pretrain', recipe, '--data', utk, '--out', dir, '--set', `train.steps=${tuneSteps}`, ...warmups(recipe, tuneSteps), ...sets]);
        const v = t.ok ? run(['eval', 'lfw', '--model', dir, '--data', lfw, '--pairs', 'pairsDevTest.txt', '--train-pairs', 'pairsDevTrain.txt', ...flip]) : null;
        const entry = { method, overrides: cand, steps: tuneSteps, view1Accuracy: v?.ok ? v.json.accuracy : null, commands: [t.command, v?.command].filter(Boolean) };
        tuning.push(entry);
        if (v?.ok && (best === null || v.json.accuracy > best.view1Accuracy)) best = entry;
      }
      if (best) {
        chosen = best.overrides;
        hpNote = `${best.overrides.join(' ')}: best View 1 accuracy (${(100 * best.view1Accuracy).toFixed(2)}%, pairsDevTest.txt with the threshold from pairsDevTrain.txt) of ${CANDIDATES[method].length} candidates at ${tuneSteps} steps`;
      } else hpNote = `recipe defaults (${recipe}); View 1 tuning failed`;
    }
    chosen = [...variant, ...chosen];
    if (variant.length) hpNote = `${variant.join(' ')} on ${hpNote}`;
    notes.push(`${METHODS[method].label} hyper-parameters: ${hpNote}.`);

    let steps = opts.steps;
    let stepSource = `--steps ${steps}`;
    if (steps === undefined) {
      const c = calibrate('pretrain', recipe, chosen.flatMap((s) => ['--set', s]), batch, opts.budget, path.join(runs, `calibrate-${method}`));
      if (!c) {
        failures.push({ what: `${method} calibration` });
        continue;
      }
      steps = c.steps;
      stepSource = `${opts.budget} min at ${c.imagesPerSecond.toFixed(2)} images/s measured by \`${c.command}\``;
    }
    const dir = path.join(runs, method);
    const pre = run(['pretrain', recipe, '--data', utk, '--out', dir, '--set', `train.steps=${steps}`,
      ...warmups(recipe, steps), ...chosen.flatMap((s) => ['--set', s])]);
    if (!pre.ok) {
      failures.push({ what: `${method} pretraining`, command: pre.command, exit: pre.exit });
      write();
      continue;
    }
    const e = frozenEval(dir);
    const p = e.ok ? probe(dir) : null;
    if (e.ok && p?.ok) {
      addRow({
        method: METHODS[method].label, stage: 'pretrained',
        lfwAccuracy: e.json.accuracy, lfwStd: e.json.std,
        linearProbeTop1: p.json.linearTop1, knnTop1: p.json.knnTop1,
        wallSeconds: pre.wallSeconds, imagesPerSecond: pre.json.imagesPerSecond,
        command: [pre.command, e.command, p.command].join(' && '),
        details: details(pre.json, {
          steps: pre.json.step, stepSource, hyperParameters: hpNote, lastLoss: pre.json.lastLoss,
          embeddingStd: pre.json.embeddingStd, trainSeconds: pre.json.elapsedSeconds,
          evalWallSeconds: e.wallSeconds + p.wallSeconds, lfwFolds: e.json.foldIds,
          probePeople: p.json.identities, wallSecondsIs: 'the pretrain command',
        }),
      });
    } else failures.push({ what: `${method} frozen evaluation`, command: (p ?? e).command });
    write();
    if (ftSteps === undefined || !opts.finetune) continue;
    const f = finetuneBoth(`${method}-arcface`, 'recipes/finetune/arcface-cpu-pretrained.json', dir, ftSteps);
    if (f) {
      addRow({
        method: METHODS[method].label, stage: 'finetuned',
        lfwAccuracy: f.lfwAccuracy, lfwStd: f.lfwStd, linearProbeTop1: null, knnTop1: null,
        wallSeconds: f.wallSeconds, imagesPerSecond: f.imagesPerSecond, command: f.command,
        details: details(f.json, { steps: ftSteps, from: dir, halves: f.halves, pretrainWallSeconds: pre.wallSeconds,
          wallSecondsIs: 'both fine-tuning commands (each half includes its held-out evaluation)' }),
      });
    }
    write();
  }
  finished = new Date();
  write();
  log(`done in ${((finished - started) / 1000).toFixed(0)} s: ${rows.length} rows, ${failures.length} failures; ${path.join(outDir, 'results.md')}`);

  function markdown() {
    const pct = (v) => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(2)}`);
    const lines = [];
    lines.push(opts.quick ? '# faceclr results — QUICK SMOKE RUN (not results)' : '# faceclr results');
    lines.push('');
    const all = invocations();
    lines.push('Every number below was printed by the command in its row; a row that was not run is absent. Protocol: [results-protocol.md](results-protocol.md). Generated by:');
    lines.push('');
    for (const inv of all) {
      const m = inv.machine;
      lines.push(`- \`${inv.command}\`, started ${inv.started}, ${inv.seconds === null ? 'still running' : `${inv.seconds} s in total`}. ` +
        `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}, load average at start ${m.loadAverageAtStart}; ` +
        `backend **${m.backend ?? 'unknown'}**, **${m.threads ?? '?'} threads** (from \`${inv.machineCommand}\`).`);
    }
    lines.push('');
    lines.push('| method | stage | LFW acc % | ± std | linear probe top-1 % | kNN top-1 % | wall s | images/s |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      lines.push(`| ${r.method} | ${r.stage} | ${pct(r.lfwAccuracy)} | ${pct(r.lfwStd)} | ${pct(r.linearProbeTop1)} | ${pct(r.knnTop1)} | ${r.wallSeconds.toFixed(0)} | ${r.imagesPerSecond.toFixed(1)} |`);
    }
    lines.push('');
    lines.push('## Notes');
    lines.push('');
    lines.push(`- LFW (pretrained, baselines raw pixels / random): View 2 pairs.txt, ${opts.quick ? 'folds 1-2 only' : '10 folds'}, threshold per fold from the other nine; frozen embeddings${opts.quick ? ', no flip-sum' : ' flip-summed'}, 64×64, centre crop 0.75.`);
    lines.push(`- Probes: LFW people with ≥ ${minImages} images, a seeded 50/50 split per person; kNN k = 20. Not run on fine-tuned models (their training people overlap the probe people).`);
    lines.push(`- Fine-tuned rows and ArcFace from scratch: ArcFace on the people of folds 1-5 verified on folds ${halves[0].test.join(',')}, then folds 6-10 verified on ${halves[1].test.join(',')}; accuracy = mean of the two halves, std over the per-fold accuracies of both. Pretrained models use recipes/finetune/arcface-cpu-pretrained.json (head warm-up, backbone lr × 0.1), scratch uses recipes/finetune/arcface-cpu.json, same steps.`);
    lines.push('- wall s: the training command(s) as timed by the runner (pretrained: the pretrain command; fine-tuned/scratch: both halves including their held-out verification; raw pixels/random: the evaluation commands). images/s: training throughput reported by the CLI (baselines without training: LFW embedding throughput).');
    for (const n of all.flatMap((inv) => inv.notes)) lines.push(`- ${n}`);
    if (tuning.length) {
      lines.push('');
      lines.push('## View 1 tuning (pairsDevTrain.txt → threshold, pairsDevTest.txt → accuracy)');
      lines.push('');
      lines.push('| method | overrides | steps | View 1 acc % |');
      lines.push('|---|---|---|---|');
      for (const t of tuning) lines.push(`| ${t.method} | \`${t.overrides.join(' ')}\` | ${t.steps} | ${pct(t.view1Accuracy)} |`);
    }
    const allFailures = all.flatMap((inv) => inv.failures);
    if (allFailures.length) {
      lines.push('');
      lines.push('## Not in the table (a command failed)');
      lines.push('');
      for (const f of allFailures) lines.push(`- ${f.what}${f.command ? `: \`${f.command}\`` : ''}${f.exit !== undefined ? ` (exit ${f.exit})` : ''}`);
    }
    lines.push('');
    lines.push('## Commands');
    lines.push('');
    for (const r of rows) {
      lines.push(`- **${r.method} (${r.stage})**:`);
      for (const c of r.command.split(' && ')) lines.push(`  \`${c}\``);
    }
    lines.push('');
    return lines.join('\n');
  }
}

main();
