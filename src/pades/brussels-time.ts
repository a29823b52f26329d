/**
 * A moment as people in Flanders read it: Europe/Brussels, day to the second, in nl-BE, en-GB or fr-BE. The
 * visible signature's time and the audit report's times (which also name the zone, CET or CEST) share it.
 */
export type TimeLanguage = 'nl' | 'en' | 'fr';

const LOCALES: Readonly<Record<TimeLanguage, string>> = { nl: 'nl-BE', en: 'en-GB', fr: 'fr-BE' };

/** Made on first use and kept: building an Intl.DateTimeFormat costs more than a signature (issue 11). */
const formats = new Map<string, Intl.DateTimeFormat>();

export function brusselsTimeFormat(language: TimeLanguage, options: { zoneName?: boolean } = {}): Intl.DateTimeFormat {
  const key = `${language}${options.zoneName ? '+zone' : ''}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALES[language], {
      timeZone: 'Europe/Brussels',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      ...(options.zoneName ? { timeZoneName: 'short' as const } : {}),
    });
    formats.set(key, format);
  }
  return format;
}
