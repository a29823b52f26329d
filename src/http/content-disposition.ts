/**
 * `Content-Disposition: attachment` for a file name of any script (RFC 6266 §4.3): `filename*` in
 * UTF-8 (RFC 8187) for every current browser, and a plain-ASCII `filename` for the rest. Express's
 * `res.attachment()` falls back to Latin-1, which Node writes as raw bytes that clients read as
 * anything but what was meant.
 */

/** RFC 8187 §3.2.1 attr-char: what stays unescaped in `filename*`. */
function encodeExtValue(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** "Besluit – één café.pdf" → "Besluit - een cafe.pdf": accents dropped, dashes and quotes simplified, the rest `_`. */
export function asciiFileName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/[\u2018\u2019\u201a\u201b]/g, "'")
    .replace(/[^\x20-\x7e]|["\\]/g, '_');
}

/** A plain-ASCII name goes as it is; any other gets both parameters (RFC 6266 §4.3: `filename*` wins where understood). */
export function attachmentDisposition(fileName: string): string {
  const fallback = asciiFileName(fileName);
  if (fallback === fileName) return `attachment; filename="${fallback}"`;
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(fileName)}`;
}
