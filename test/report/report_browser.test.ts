/**
 * Opens a rendered report.html in headless Chromium: the browser's DOM holds every plot with its
 * paths, and the screenshot is not blank.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';
import { evaluationFromJson, writeReport } from '../../src/report';
import { describeWithChromium, runChromium } from '../examples/chromium';
import { syntheticEvaluation, syntheticMetrics } from './fixtures';

describeWithChromium('report.html in headless Chromium', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faceclr-report-browser-'));
    const { same, different, folds } = syntheticEvaluation();
    file = await writeReport(dir, {
      title: 'browser check',
      metrics: syntheticMetrics(),
      evaluation: evaluationFromJson(
        {
          name: 'LFW',
          sameScores: same,
          differentScores: different,
          folds,
          threshold: 0.4,
          accuracy: 0.86,
        },
        'eval',
      ),
    });
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses into a DOM with all the SVG plots and their paths', async () => {
    const dom = await runChromium(['--dump-dom'], `file://${file}`);
    const svgs = dom.match(/<svg\b[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(8); // 5 training curves, 2 ROC, 1 histogram
    for (const svg of svgs) expect(svg).toMatch(/<path [^>]*d="M[\d.]+,[\d.]+ L/);
    expect(dom).toContain('<h2>LFW</h2>');
  });

  it('renders a page that is not blank', async () => {
    const png = path.join(dir, 'shot.png');
    await runChromium(
      [`--screenshot=${png}`, '--window-size=1100,1400', '--hide-scrollbars'],
      `file://${file}`,
    );
    const { data, info } = await sharp(png)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    let ink = 0;
    for (let i = 0; i < data.length; i += info.channels) {
      if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) ink++;
    }
    const fraction = ink / (info.width * info.height);
    expect(fraction).toBeGreaterThan(0.005);
    expect(fraction).toBeLessThan(0.6);
  });
});
