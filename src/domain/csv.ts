/**
 * A small RFC 4180 reader: quoted fields may hold the delimiter, doubled quotes and line
 * breaks; CRLF or LF; a UTF-8 byte order mark is dropped. Each record remembers the line it
 * starts on, so errors can point at it. Pure, so `people import` and the mandate import
 * (src/domain/mandate-csv.ts) share it.
 */

export interface CsvRecord {
  /** 1-based line of the file on which the record starts. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * Excel in a Belgian (nl-BE, fr-BE) locale saves "CSV" with semicolons: a header line with
 * semicolons and no commas is read that way.
 */
export function detectDelimiter(text: string): ',' | ';' {
  const header = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  return header.includes(';') && !header.includes(',') ? ';' : ',';
}

export function parseCsv(input: string, delimiter: string = detectDelimiter(input)): CsvRecord[] {
  const text = input.replace(/^\uFEFF/, '');
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 0;
  let i = 0;

  const endRecord = (): void => {
    fields.push(field);
    records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };

  while (i < text.length) {
    const char = text[i];
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
      i += 1;
      continue;
    }
    if (char === '"' && field.trim() === '') {
      // A quote opens a quoted field only at its start (spaces before it are dropped).
      field = '';
      quoted = true;
      quoteLine = line;
    } else if (char === delimiter) {
      fields.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      i += 1;
      continue;
    } else if (char === '\n') {
      endRecord();
      line += 1;
      recordLine = line;
    } else {
      field += char;
    }
    i += 1;
  }
  if (quoted) throw new CsvError('a quoted field is not closed', quoteLine);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}
