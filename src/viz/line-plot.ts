// A small standalone SVG line plot: one or more series of values over steps (an optimisation's
// objective per step, a training curve). Each series may carry its own y axis side so that two
// quantities of different scales share one picture.

export interface LineSeries {
  label: string;
  values: number[];
  /** CSS colour (default: one of a fixed palette, by position). */
  color?: string;
  dashed?: boolean;
}

export interface LinePlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** The x value of index 0 (default 1: steps counted from 1). */
  xStart?: number;
}

const PALETTE = ['#c0392b', '#2471a3', '#1e8449', '#8e44ad', '#d68910', '#17a589', '#7f8c8d', '#2c3e50'];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A "nice" tick value: 1, 2 or 5 times a power of ten. */
function niceStep(range: number, count: number): number {
  const raw = range / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * power;
}

const tickText = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(1) : String(Number(v.toPrecision(4))));

/** The series as an SVG document (non-finite values are skipped, the line broken there). */
export function linePlotSvg(series: LineSeries[], options: LinePlotOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 300;
  const m = { left: 64, right: 20, top: 34, bottom: 40 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const xStart = options.xStart ?? 1;
  const length = Math.max(1, ...series.map((s) => s.values.length));
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = niceStep(hi - lo, 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const x = (i: number) => m.left + (length <= 1 ? w / 2 : (i / (length - 1)) * w);
  const y = (v: number) => m.top + h - ((v - lo) / (hi - lo)) * h;

  const yTicks: string[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) {
    yTicks.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e6ea"/>`);
    yTicks.push(`<text x="${m.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${tickText(v)}</text>`);
  }
  const xStep = Math.max(1, niceStep(length - 1 || 1, 6));
  const xTicks: string[] = [];
  for (let i = 0; i < length; i += xStep) xTicks.push(`<text x="${x(i).toFixed(1)}" y="${height - m.bottom + 16}" text-anchor="middle">${i + xStart}</text>`);

  const lines = series.map((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const runs: string[][] = [[]];
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) runs[runs.length - 1].push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
      else if (runs[runs.length - 1].length) runs.push([]);
    });
    return runs
      .filter((r) => r.length)
      .map((r) => `<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''} points="${r.join(' ')}"/>`)
      .join('\n');
  });
  let legendX = m.left;
  const legend = series.map((s, k) => {
    const text = `<text x="${legendX}" y="${m.top - 8}" fill="${s.color ?? PALETTE[k % PALETTE.length]}">${escape(s.label)}</text>`;
    legendX += 12 + 6.5 * s.label.length;
    return text;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${options.title ? `<text x="${width / 2}" y="14" text-anchor="middle" font-size="13">${escape(options.title)}</text>` : ''}
${yTicks.join('')}${xTicks.join('')}
<text x="${m.left + w / 2}" y="${height - 6}" text-anchor="middle">${escape(options.xLabel ?? 'step')}</text>
${options.yLabel ? `<text transform="translate(14 ${m.top + h / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>` : ''}
${legend.join('')}
${lines.join('\n')}
</svg>
`;
}
