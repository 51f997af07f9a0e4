// The demo's Network Dissection part (Bau et al. 2017): the conv layers (four of a deep model) over the held-out concept
// set, which has pixel masks for colours, objects and parts and whole-image labels for textures and
// scenes. The quantile pass runs once; the tally runs at the paper's top quantile (0.005) and at
// 0.05. Why both: a concept of our set covers a large share of each small image, so a unit mask of
// 0.5% of the pixels can hardly reach IoU 0.04 against it; 5% suits the set. The full report
// (charts, every unit, CSV) is written beside the gallery; the gallery shows the counts per layer
// and the strongest detectors with their masks drawn over their top images.

import { dissectQuantiles, dissectTally, relabel, DEFAULT_IOU_THRESHOLD, DEFAULT_QUANTILE, type DissectionResult } from '../../methods/dissection/index.ts';
import { unitStrips, stripName, writeReport } from '../../methods/dissection/report.ts';
import { evenlySpaced, type DemoContext, type DemoPart } from '../context.ts';
import { escapeHtml, type Figure } from '../gallery.ts';

/** A top quantile that suits the concept set's large concepts (see above). */
const SET_QUANTILE = 0.05;
/** Labelled units shown per layer. */
const SHOWN = 2;

export const dissectionPart: DemoPart = {
  id: 'dissection',
  name: 'network dissection',
  async run(ctx: DemoContext) {
    const { model, concepts, gallery } = ctx;
    const layers = dissectedLayers(ctx.convLayers);
    const onProgress = ({ pass, done, total }: { pass: string; done: number; total: number }) => done === total && ctx.log(`${pass} pass: ${total} images`);
    const quantiles = await dissectQuantiles(model, concepts, { layers, onProgress });
    const results: DissectionResult[] = [];
    for (const quantile of [DEFAULT_QUANTILE, SET_QUANTILE]) {
      const tally = await dissectTally(model, concepts, quantiles, { quantile, onProgress });
      results.push(relabel(tally, DEFAULT_IOU_THRESHOLD));
    }
    const [paper, suited] = results;
    await writeReport(`${gallery.dir}/dissection`, suited, { model, dataset: concepts, title: `Network Dissection of ${model.spec.name} (top quantile ${SET_QUANTILE})`, onlyDetectors: true });

    const categories = suited.tally.categories;
    const row = (r: DissectionResult, layer: string) => {
      const s = r.layers.find((l) => l.layer === layer)!;
      const cells = categories.map((c) => `<td>${s.byCategory[c]?.detectors ?? 0}</td>`).join('');
      return `<td>${s.detectors} / ${s.units}</td><td>${s.uniqueConcepts}</td>${cells}`;
    };
    const header = `<tr><th>layer</th><th>quantile</th><th>detectors / units</th><th>unique concepts</th>${categories.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>`;
    const rows = layers.flatMap((layer) => [
      `<tr><td>${escapeHtml(layer)}</td><td>${paper.quantile}</td>${row(paper, layer)}</tr>`,
      `<tr><td>${escapeHtml(layer)}</td><td>${suited.quantile}</td>${row(suited, layer)}</tr>`,
    ]);
    for (const layer of layers) {
      const s = suited.layers.find((l) => l.layer === layer)!;
      ctx.log(`${layer}: ${s.detectors} of ${s.units} units are detectors at q = ${suited.quantile}, ${paper.layers.find((l) => l.layer === layer)!.detectors} at q = ${paper.quantile}`);
    }

    // The strongest detectors of each layer, with their masks over their top images.
    const shown = layers.flatMap((layer) =>
      suited.units
        .filter((u) => u.layer === layer && u.label)
        .sort((a, b) => b.iou - a.iou)
        .slice(0, SHOWN),
    );
    const strips = await unitStrips(model, concepts, { ...suited, units: shown }, true);
    const figures: Figure[] = [];
    for (const u of shown) {
      const strip = strips.get(stripName(u));
      if (!strip) continue;
      figures.push(gallery.picture(`dissect-${u.layer}-${u.unit}.png`, strip, `${u.layer} unit ${u.unit}: ${u.label} (${u.category}), IoU ${u.iou.toFixed(3)}; its mask (top ${suited.quantile * 100}% of its activations) over its top images`));
    }
    return {
      title: 'Network Dissection',
      what: `Each unit's top-quantile activation mask compared with every concept's masks over ${concepts.images.length} held-out concept images; a unit whose best IoU exceeds ${DEFAULT_IOU_THRESHOLD} is a detector of that concept.`,
      paper: 'Bau, Zhou, Khosla, Oliva & Torralba 2017',
      figures,
      html:
        `<table>${header}${rows.join('')}</table>` +
        `<p>The top quantile 0.005 is the paper's; on this set a concept covers a large share of each small image, so 0.05 suits it better. ` +
        `<a href="dissection/index.html">The full report</a> (every unit, charts by category, NetDissect's CSV).</p>`,
    };
  },
};

/** Every conv layer of a small model; of a deep one (SqueezeNet has 26) four, evenly spaced, the last included. */
function dissectedLayers(convs: string[], most = 4): string[] {
  return convs.length <= most + 2 ? convs : evenlySpaced(convs, most);
}
