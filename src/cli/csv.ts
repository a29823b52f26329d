/** The CSV reader lives in src/domain/csv.ts, where the mandate import (src/domain/mandate-csv.ts) can use it too. */
export { CsvError, detectDelimiter, parseCsv, type CsvRecord } from '../domain/csv.ts';
