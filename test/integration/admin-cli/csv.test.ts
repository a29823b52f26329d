/** The CSV reader behind `people import`, on its own. */
import { expect } from 'chai';
import { detectDelimiter, parseCsv } from '../../../src/cli/csv.ts';

describe('admin CLI: CSV reader', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks, and numbers records by their first line', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"multi\nline",z\n')).to.deep.equal([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['multi\nline', 'z'] },
    ]);
  });

  it('drops a byte order mark, keeps empty fields and reads a last line without a newline', () => {
    expect(parseCsv('\uFEFFa,,c\n,,\nlast,1,')).to.deep.equal([
      { line: 1, fields: ['a', '', 'c'] },
      { line: 2, fields: ['', '', ''] },
      { line: 3, fields: ['last', '1', ''] },
    ]);
  });

  it('detects the semicolon dialect from the header', () => {
    expect(detectDelimiter('\uFEFFname;email;function\n')).to.equal(';');
    expect(detectDelimiter('name,email,function\n"a;b",c,d')).to.equal(',');
    expect(parseCsv('a;"b;c"\n')).to.deep.equal([{ line: 1, fields: ['a', 'b;c'] }]);
  });

  it('reports an unclosed quote with the line where it opened', () => {
    expect(() => parseCsv('a,b\nc,"d\ne,f\n')).to.throw('line 2: a quoted field is not closed');
  });
});
