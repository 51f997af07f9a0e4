// A one-line progress bar for the terminal (stderr), redrawn in place.

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (v: number) => String(v).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export class ProgressBar {
  private readonly start = performance.now();
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Redraws at most every 100 ms on a terminal, every 5 s into a log (always at the end). `text` follows the bar. */
  update(done: number, text: string): void {
    const now = performance.now();
    const interval = this.stream.isTTY ? 100 : 5000;
    if (done < this.total && now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const fraction = Math.min(1, done / this.total);
    const width = 24;
    const filled = Math.round(fraction * width);
    const elapsed = (now - this.start) / 1000;
    const left = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Infinity;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${text} | ${formatDuration(elapsed)} elapsed, ${formatDuration(left)} left`;
    if (this.stream.isTTY) this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
    else this.stream.write(`${line}\n`);
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
