/** The words of a visible signature, in the signer's language, with the time in Europe/Brussels. */
import type { AppearanceLine } from '../pdf/index.ts';

const LABELS = {
  nl: { signed: 'Digitaal ondertekend', qualified: 'Gekwalificeerde elektronische handtekening', zone: 'Brusselse tijd' },
  en: { signed: 'Digitally signed', qualified: 'Qualified electronic signature', zone: 'Brussels time' },
  fr: { signed: 'Signé numériquement', qualified: 'Signature électronique qualifiée', zone: 'heure de Bruxelles' },
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

/** `qualified`: the signer's certificate is qualified (eIDAS art. 3(12)), so the block says so instead of "digitally signed". */
export function appearanceLines(signer: { name: string; function?: string; qualified?: boolean }, signingTime: Date, language: keyof typeof LABELS): AppearanceLine[] {
  const labels = LABELS[language];
  const lines: AppearanceLine[] = [{ text: signer.name, face: 'bold' }];
  if (signer.function) lines.push({ text: signer.function });
  lines.push({ text: signer.qualified ? labels.qualified : labels.signed });
  lines.push({ text: `${formatBrusselsTime(signingTime, language)} (${labels.zone})` });
  return lines;
}
