/** PDF date strings (ISO 32000-2 §7.9.4). */

/** `D:YYYYMMDDHHmmSSZ` in UTC; readers show it in their own time zone. */
export function pdfDate(date: Date): string {
  return 'D:' + date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

/** Parses `D:YYYYMMDDHHmmSSOHH'mm` (every part after the year optional); undefined when unreadable. */
export function parsePdfDate(text: string): Date | undefined {
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?'?/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', sign, oh = '00', om = '00'] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (sign === '+' || sign === '-') ms -= (sign === '+' ? 1 : -1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
