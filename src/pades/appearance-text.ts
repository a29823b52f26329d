/** The words of a visible signature, in the signer's language, with the time in Europe/Brussels. */
import type { AppearanceLine } from '../pdf/index.ts';

const LABELS = {
  nl: { signed: 'Digitaal ondertekend', zone: 'Brusselse tijd' },
  en: { signed: 'Digitally signed', zone: 'Brussels time' },
  fr: { signed: 'Signé numériquement', zone: 'heure de Bruxelles' },
} as const;

export function formatBrusselsTime(date: Date, language: keyof typeof LABELS): string {
  const locale = { nl: 'nl-BE', en: 'en-GB', fr: 'fr-BE' }[language];
  return new Intl.DateTimeFormat(locale, {
    timeZone: 'Europe/Brussels',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).format(date);
}

export function appearanceLines(signer: { name: string; function?: string }, signingTime: Date, language: keyof typeof LABELS): AppearanceLine[] {
  const labels = LABELS[language];
  const lines: AppearanceLine[] = [{ text: signer.name, face: 'bold' }];
  if (signer.function) lines.push({ text: signer.function });
  lines.push({ text: labels.signed });
  lines.push({ text: `${formatBrusselsTime(signingTime, language)} (${labels.zone})` });
  return lines;
}
