import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { roc } from '../../src/eval/roc';
import {
  evaluationFromJson,
  loadRunReport,
  readMetrics,
  renderReport,
  writeReport,
} from '../../src/report';
import { escapeXml, formatTick, logTicks, niceTicks, scale } from '../../src/report/svg_axes';
import { binCounts, histogram, lineChart } from '../../src/report/svg_plot';
import { syntheticEvaluation, syntheticMetrics } from './fixtures';

const count = (html: string, pattern: RegExp) => (html.match(pattern) ?? []).length;

const made: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-report-'));
  made.push(dir);
  return dir;
}
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** An LFW-like eval JSON document as `src/eval/lfw.ts` results look. */
function lfwJson() {
  const { same, different, folds } = syntheticEvaluation();
  const scores = [...same, ...different];
  const result = roc(
    scores,
    scores.map((_, i) => i < same.length),
  );
  return {
    benchmark: 'LFW',
    accuracy: 0.865,
    std: 0.012,
    threshold: 0.41,
    auc: result.auc,
    eer: result.eer,
    tarAtFar: result.tarAtFar,
    folds,
    roc: { points: result.points },
    sameScores: same,
    differentScores: different,
  };
}

describe('svg axes', () => {
  it('picks 1-2-5 ticks covering the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 97, 4)).toEqual([20, 40, 60, 80]);
    expect(niceTicks(-0.3, 0.3, 3)).toEqual([-0.2, 0, 0.2]);
    expect(logTicks(0.0012, 1)).toEqual([0.01, 0.1, 1]);
  });

  it('maps linear and log scales onto pixels, reversed ranges included', () => {
    const y = scale([0, 10], [200, 0]);
    expect(y.map(0)).toBe(200);
    expect(y.map(5)).toBe(100);
    const x = scale([1e-3, 1], [0, 300], true);
    expect(x.map(1e-3)).toBeCloseTo(0);
    expect(x.map(1e-2)).toBeCloseTo(100);
    expect(() => scale([0, 1], [0, 1], true)).toThrow(/scale: a log scale needs a positive domain/);
  });

  it('formats ticks and escapes text', () => {
    expect(formatTick(0.001)).toBe('0.001');
    expect(formatTick(1e-4)).toBe('1e-4');
    expect(formatTick(25000)).toBe('2.5e4');
    expect(escapeXml(`<a & "b">`)).toBe('&lt;a &amp; &quot;b&quot;&gt;');
  });
});

describe('svg plots', () => {
  it('draws one path per series with every point', () => {
    const svg = lineChart({
      title: 'loss',
      series: [
        {
          name: 'a',
          points: [
            [0, 1],
            [1, 2],
            [2, 3],
          ],
        },
        {
          name: 'b',
          points: [
            [0, 3],
            [1, NaN],
            [2, 1],
          ],
        },
      ],
      xLabel: 'step',
      yLabel: 'loss',
    });
    expect(svg.startsWith('<svg')).toBe(true);
    const paths: string[] = svg.match(/<path class="series"[^>]*d="([^"]+)"/g) ?? [];
    expect(paths).toHaveLength(2);
    expect(count(paths[0], /[ML]\d/g)).toBe(3);
    expect(count(paths[1], /[ML]\d/g)).toBe(2); // the NaN point is skipped
    expect(svg).toContain('>step</text>');
  });

  it('shows "no data" instead of an empty or broken chart', () => {
    const svg = lineChart({
      title: 't',
      series: [{ name: 'a', points: [] }],
      xLabel: 'x',
      yLabel: 'y',
    });
    expect(svg).toContain('no data');
    expect(svg).not.toContain('<path');
  });

  it('bins values with the last bin closed', () => {
    expect(binCounts([0, 0.1, 0.5, 0.99, 1], 0, 1, 2)).toEqual([2, 3]);
  });

  it('draws each histogram series as fractions with a threshold marker', () => {
    const svg = histogram({
      title: 'scores',
      series: [
        { name: 'same', values: [0.5, 0.6, 0.7] },
        { name: 'different', values: [0.1, 0.2] },
      ],
      xLabel: 'cosine',
      bins: 10,
      markers: [{ value: 0.4, label: 'threshold' }],
    });
    expect(count(svg, /<path class="bars"/g)).toBe(2);
    expect(svg).toContain('class="marker"');
    expect(svg).toContain('>threshold</text>');
  });
});

describe('renderReport', () => {
  it('renders training curves, ROC charts, histograms and the accuracy table', () => {
    const json = lfwJson();
    const html = renderReport({
      title: 'run <simclr>',
      metrics: syntheticMetrics(),
      evaluation: evaluationFromJson(json, 'eval-lfw'),
      summary: { backbone: 'resnet18-narrow', steps: 200 },
    });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>run &lt;simclr&gt;</title>');
    // loss, lr, collapse monitor, kNN, throughput; ROC log + linear; score histogram
    expect(count(html, /<svg /g)).toBe(8);
    expect(count(html, /<path /g)).toBeGreaterThanOrEqual(9);
    expect(html).toContain('ROC (log FAR)');
    expect(html).toContain('false accept rate (log)');
    expect(html).toContain('kNN top-1');
    expect(html).toMatch(/<td class="num">0\.86<\/td>/); // a fold's accuracy
    expect(html).toContain('0.865 ± 0.012');
    expect(html).toContain('TAR @ FAR=0.01');
    // self-contained: no scripts, no external resources
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('leaves out what is missing and says when there is nothing', () => {
    const onlyLinear = renderReport(
      {
        title: 't',
        evaluation: {
          roc: [
            { far: 0, tar: 0 },
            { far: 1, tar: 1 },
          ],
        },
      },
      { rocAxis: 'linear' },
    );
    expect(count(onlyLinear, /<svg /g)).toBe(1);
    expect(renderReport({ title: 'empty' })).toContain('Nothing to show');
    expect(() => renderReport({} as never)).toThrow(/renderReport: data.title/);
  });
});

describe('run folders', () => {
  it('reads metrics.jsonl past a torn last line and eval JSON in several layouts', () => {
    const dir = tmpDir();
    const lines = syntheticMetrics(50, 10).map((r) => JSON.stringify(r));
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n{"step": 60, "lo`);
    expect(readMetrics(path.join(dir, 'metrics.jsonl')).map((r) => r.step)).toEqual([
      10, 20, 30, 40, 50,
    ]);
    expect(readMetrics(path.join(dir, 'none.jsonl'))).toEqual([]);

    // scores + labels, no ROC points: the ROC is computed
    const fromLabels = evaluationFromJson(
      { scores: [0.9, 0.8, 0.1, 0.3], same: [1, 1, 0, 0] },
      'x',
    );
    expect(fromLabels.sameScores).toEqual([0.9, 0.8]);
    expect(fromLabels.differentScores).toEqual([0.1, 0.3]);
    expect(fromLabels.roc?.at(-1)).toMatchObject({ far: 1, tar: 1 });
    const fromPairs = evaluationFromJson(
      {
        pairs: [
          { score: 0.5, same: true },
          { score: 0.1, same: false },
        ],
      },
      'x',
    );
    expect(fromPairs.name).toBe('x');
    expect(fromPairs.sameScores).toEqual([0.5]);
  });

  it('writes report.html from a run folder, and `faceclr report` does too', async () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, 'metrics.jsonl'),
      syntheticMetrics()
        .map((r) => `${JSON.stringify(r)}\n`)
        .join(''),
    );
    fs.writeFileSync(path.join(dir, 'eval-lfw.json'), JSON.stringify(lfwJson()));
    fs.writeFileSync(
      path.join(dir, 'recipe.json'),
      JSON.stringify({ backbone: { name: 'resnet18-narrow' }, framework: { name: 'simclr' } }),
    );
    const data = loadRunReport(dir);
    expect(data.summary).toMatchObject({
      backbone: 'resnet18-narrow',
      framework: 'simclr',
      steps: 200,
    });
    const file = await writeReport(dir, data);
    expect(fs.readFileSync(file, 'utf8')).toContain('<h2>LFW</h2>');
    fs.rmSync(file);

    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'faceclr', 'report', dir, '--json', '--roc-axis', 'log'])).toBe(0);
      const printed = JSON.parse(String(write.mock.calls[0][0]));
      expect(printed).toMatchObject({ metricsRows: 20, evaluations: ['LFW'] });
    } finally {
      write.mockRestore();
    }
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(count(html, /<svg /g)).toBe(7); // no linear ROC
  });

  it('exits 2 for a missing folder, an empty one, or a broken eval file', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const dir = tmpDir();
      expect(await main(['node', 'faceclr', 'report', path.join(dir, 'nope')])).toBe(2);
      expect(await main(['node', 'faceclr', 'report', dir])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(
        /no metrics.jsonl rows and no eval\*\.json/,
      );
      fs.writeFileSync(path.join(dir, 'eval.json'), '{oops');
      expect(await main(['node', 'faceclr', 'report', dir])).toBe(2);
      expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(/eval\.json is not valid JSON/);
    } finally {
      stderr.mockRestore();
    }
  });
});
