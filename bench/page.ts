// The bench page (bench/index.html, served by Vite): the same rows and harness as `npm run bench`,
// run on this browser's WebGPU adapter. URL parameters preset the form and ?run starts at once:
// bench/index.html?quick&run. The report is also left on window.benchReport (for tests).

import { createEngine, type Engine } from '../src/engine/engine.ts';
import { runBench, type BenchContext, type BenchReport, type RowResult } from './harness.ts';
import { optionsFromSearch } from './options.ts';
import { createPeer, type Peer } from './peer.ts';
import { COLUMNS, cells, noteLines, resultFileName, rowNote, summaryLine } from './report.ts';
import { benchRows } from './rows/index.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const runButton = $<HTMLButtonElement>('run');
const status = $<HTMLSpanElement>('status');
const progress = $<HTMLProgressElement>('progress');
const table = $<HTMLTableElement>('results');

declare global {
  interface Window {
    benchReport?: BenchReport;
    benchError?: string;
  }
}

let engine: Engine | null = null;
let peer: Peer | null = null;

function setStatus(text: string, error = false): void {
  status.textContent = text;
  status.className = error ? 'error' : '';
}

function appendRow(r: RowResult): void {
  const tr = table.tBodies[0].insertRow();
  tr.className = r.status;
  cells(r).forEach((text, i) => {
    const td = tr.insertCell();
    td.textContent = text;
    if (i >= 2 && i <= 6) td.className = 'num';
    if (i === 8 && text) td.className = `met-${text}`;
  });
  const note = rowNote(r);
  if (note) tr.title = note;
}

/** The model file picked in the form stands in for ../shared, which a page cannot read. */
async function loadAsset(relative: string): Promise<Uint8Array | null> {
  const file = $<HTMLInputElement>('model').files?.[0];
  if (relative.endsWith('squeezenet1.1.onnx') && file) return new Uint8Array(await file.arrayBuffer());
  return null;
}

async function run(): Promise<void> {
  const options = optionsFromSearch(location.search);
  options.quick = $<HTMLInputElement>('quick').checked;
  options.full = $<HTMLInputElement>('full').checked;
  options.filter = $<HTMLInputElement>('filter').value.trim() || undefined;
  options.reps = Math.max(1, Number($<HTMLInputElement>('reps').value) || options.reps);
  options.minReps = Math.min(options.quick ? 1 : 2, options.reps);
  if (options.quick) options.budgetMs = 0;
  const timing = $<HTMLSelectElement>('timing').value;
  options.timing = timing === 'wall' || timing === 'timestamp' ? timing : undefined;

  runButton.disabled = true;
  table.tHead!.innerHTML = `<tr>${COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr>`;
  table.tBodies[0].replaceChildren();
  table.hidden = false;
  $('notes').replaceChildren();
  $('summary').textContent = '';
  try {
    if ($<HTMLInputElement>('peer').checked && !peer) {
      setStatus('Starting TF.js…');
      peer = await createPeer(engine!).catch((e) => {
        setStatus(`TF.js could not start (${e instanceof Error ? e.message : e}); running without it`, true);
        return null;
      });
    }
    const ctx: BenchContext = { engine: engine!, peer: $<HTMLInputElement>('peer').checked ? peer : null, quick: options.quick, loadAsset };
    const report = await runBench(ctx, benchRows(options), options, (p) => {
      progress.max = p.total;
      progress.value = p.done;
      if (p.current) setStatus(`${p.done + 1} of ${p.total}: ${p.current}`);
      if (p.last) appendRow(p.last);
    });
    $('summary').textContent = summaryLine(report);
    for (const text of noteLines(report, '')) {
      const li = document.createElement('li');
      li.textContent = text;
      $('notes').append(li);
    }
    const link = $<HTMLAnchorElement>('download');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }));
    link.download = resultFileName(report);
    link.hidden = false;
    setStatus(`Done: ${report.rows.length} rows.`);
    window.benchReport = report;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    setStatus(message, true);
    window.benchError = message;
  } finally {
    runButton.disabled = false;
  }
}

async function start(): Promise<void> {
  const preset = optionsFromSearch(location.search);
  $<HTMLInputElement>('quick').checked = preset.quick;
  $<HTMLInputElement>('full').checked = preset.full;
  $<HTMLInputElement>('filter').value = preset.filter ?? '';
  $<HTMLInputElement>('reps').value = String(preset.reps);
  $<HTMLInputElement>('peer').checked = !preset.noPeer;
  $<HTMLSelectElement>('timing').value = preset.timing ?? '';
  try {
    engine = await createEngine({ tuning: preset.tuning });
    const { vendor, architecture, description } = engine.adapterInfo;
    $('adapter').textContent = `Adapter: ${[vendor, architecture, description].filter(Boolean).join(' · ') || 'unnamed'}${engine.hasTimestamps ? ' (timestamp queries available)' : ''}; ${engine.tuning} kernel variants`;
  } catch (e) {
    $('adapter').textContent = e instanceof Error ? e.message : String(e);
    window.benchError = $('adapter').textContent!;
    return;
  }
  runButton.disabled = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run();
  });
  if (new URLSearchParams(location.search).has('run')) void run();
}

void start();
