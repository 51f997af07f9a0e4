// A gallery: one HTML page of pictures in sections, written to a folder that a person opens in a
// browser (out/index.html, pictures under out/img/). The demo fills it with the four methods; each
// section says in one line what it shows and which paper it comes from.

import type { RgbaImage } from '../data/image-format.ts';
import { encodePng } from '../data/image-node.ts';
import { writeFileAtomicSync } from '../data/atomic-write.ts';

export interface Figure {
  /** File name under img/ (no directories). */
  file: string;
  caption: string;
  /** CSS width in pixels for small pictures shown enlarged (pixelated); default: natural size. */
  width?: number;
}

export interface Section {
  title: string;
  /** One line: what the pictures show. */
  what: string;
  /** The paper(s) the method comes from. */
  paper: string;
  figures: Figure[];
  /** Extra HTML after the figures (a table of numbers); already escaped by the caller. */
  html?: string;
  /** Seconds the part took. */
  seconds?: number;
}

export class Gallery {
  readonly sections: Section[] = [];
  private readonly files = new Set<string>();

  constructor(
    readonly dir: string,
    readonly title: string,
    readonly subtitle: string,
  ) {
    const fs = process.getBuiltinModule('node:fs') as typeof import('node:fs');
    fs.mkdirSync(`${dir}/img`, { recursive: true });
  }

  /** Writes a picture under img/ and returns its figure. */
  picture(file: string, image: RgbaImage, caption: string, width?: number): Figure {
    if (!/^[\w.-]+\.png$/.test(file)) throw new Error(`gallery: picture file names are plain names ending in .png, got '${file}'`);
    if (this.files.has(file)) throw new Error(`gallery: picture '${file}' written twice`);
    this.files.add(file);
    writeFileAtomicSync(`${this.dir}/img/${file}`, encodePng(image.data, image.width, image.height));
    return { file, caption, width };
  }

  add(section: Section): void {
    this.sections.push(section);
  }

  /** Writes index.html (atomically: a reader never sees half a page) and returns its path. */
  write(): string {
    const path = `${this.dir}/index.html`;
    writeFileAtomicSync(path, new TextEncoder().encode(galleryHtml(this)));
    return path;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function galleryHtml(g: Gallery): string {
  const figure = (f: Figure) =>
    `<figure><img src="img/${f.file}" alt="${escapeHtml(f.caption)}"${f.width ? ` style="width:${f.width}px"` : ''}><figcaption>${escapeHtml(f.caption)}</figcaption></figure>`;
  const toc = g.sections.map((s, i) => `<a href="#s${i}">${escapeHtml(s.title)}</a>`).join(' · ');
  const sections = g.sections
    .map(
      (s, i) => `<section id="s${i}">
<h2>${escapeHtml(s.title)}</h2>
<p class="what">${escapeHtml(s.what)}</p>
<p class="paper">${escapeHtml(s.paper)}${s.seconds !== undefined ? ` <span class="time">(${s.seconds.toFixed(1)} s)</span>` : ''}</p>
<div class="figures">${s.figures.map(figure).join('\n')}</div>
${s.html ?? ''}
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(g.title)}</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; color: #1d1d1f; background: #fafafa; }
  h1 { margin-bottom: 0.2rem; } .sub { color: #555; margin-top: 0; } nav { margin: 0.8rem 0 1.5rem; line-height: 1.9; }
  nav a { color: #0b57d0; text-decoration: none; } section { background: #fff; border: 1px solid #e3e3e3; border-radius: 10px; padding: 0.6rem 1.2rem 1rem; margin: 1.2rem 0; }
  h2 { margin: 0.6rem 0 0.2rem; font-size: 1.25rem; } .what { margin: 0.2rem 0; } .paper { margin: 0.1rem 0 0.8rem; color: #666; font-style: italic; font-size: 0.9rem; }
  .time { font-style: normal; color: #999; } .figures { display: flex; flex-wrap: wrap; gap: 1rem 1.4rem; align-items: flex-start; }
  figure { margin: 0; max-width: 100%; } figure img { image-rendering: pixelated; max-width: 100%; display: block; border: 1px solid #ddd; }
  figcaption { font-size: 0.85rem; color: #444; max-width: 36rem; margin-top: 0.3rem; }
  table { border-collapse: collapse; font-size: 0.9rem; margin-top: 0.8rem; } td, th { border: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: right; } th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
</style>
</head>
<body>
<h1>${escapeHtml(g.title)}</h1>
<p class="sub">${escapeHtml(g.subtitle)}</p>
<nav>${toc}</nav>
${sections}
</body>
</html>
`;
}
