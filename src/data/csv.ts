// CSV as Python's csv module writes it (the "excel" dialect NetDissect uses): comma-separated, fields
// quoted only when they must be, quotes doubled inside quotes, rows ended by "\r\n".

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

export interface CsvRow {
  /** 1-based line number in the file where the row starts (the header is line 1). */
  line: number;
  fields: string[];
}

export interface CsvTable {
  header: string[];
  rows: CsvRow[];
}

export function formatCsvRow(fields: readonly (string | number)[]): string {
  return fields.map((f) => (typeof f === 'string' && /[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : String(f))).join(',') + '\r\n';
}

/**
 * Parses CSV text (either line ending, quoted fields) into a header and rows, checking that every
 * row has as many fields as the header. `file` names the file in error messages.
 */
export function parseCsv(text: string, file: string): CsvTable {
  const records: CsvRow[] = [];
  let fields: string[] = [];
  let line = 1;
  let start = 1; // the line the current record started on
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // skip a byte-order mark
  for (;;) {
    // One field: quoted (may hold commas, newlines and doubled quotes) or plain (up to , \r or \n).
    let field: string;
    if (text.charCodeAt(i) === QUOTE) {
      const quoteLine = line;
      field = '';
      let from = ++i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error(`${file} line ${quoteLine}: a quoted field is never closed`);
        for (let k = text.indexOf('\n', i); k >= 0 && k < q; k = text.indexOf('\n', k + 1)) line++;
        if (text.charCodeAt(q + 1) === QUOTE) {
          field += text.slice(from, q + 1);
          i = from = q + 2;
          continue;
        }
        field += text.slice(from, q);
        i = q + 1;
        break;
      }
      const c = text.charCodeAt(i);
      if (i < text.length && c !== COMMA && c !== CR && c !== LF) throw new Error(`${file} line ${line}: unexpected text after a quoted field`);
    } else {
      const from = i;
      for (let c = text.charCodeAt(i); i < text.length && c !== COMMA && c !== CR && c !== LF; c = text.charCodeAt(++i));
      field = text.slice(from, i);
    }
    fields.push(field);
    if (text.charCodeAt(i) === COMMA) {
      i++;
      continue;
    }
    // End of a record (a line break or the end of the text); a blank line is no record, as in Python.
    if (fields.length > 1 || fields[0] !== '') records.push({ line: start, fields });
    fields = [];
    if (i >= text.length) break;
    i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    line++;
    start = line;
    if (i >= text.length) break;
  }
  if (records.length === 0) throw new Error(`${file} is empty: expected a header line`);
  const [head, ...rows] = records;
  for (const row of rows) {
    if (row.fields.length !== head.fields.length) {
      throw new Error(`${file} line ${row.line}: ${row.fields.length} fields where the header has ${head.fields.length} (${head.fields.join(',')})`);
    }
  }
  return { header: head.fields, rows };
}
