/** The words of a visible signature, in the signer's language, with the time in Europe/Brussels. */
import type { AppearanceLine } from '../pdf/index.ts';
import { brusselsTimeFormat } from './brussels-time.ts';

const LABELS = {
  nl: { signed: 'Digitaal ondertekend', qualified: 'Gekwalificeerde elektronische handtekening', zone: 'Brusselse tijd' },
  en: { signed: 'Digitally signed', qualified: 'Qualified electronic signature', zone: 'Brussels time' },
  fr: { signed: 'Signé numériquement', qualified: 'Signature électronique qualifiée', zone: 'heure de Bruxelles' },
} as const;

export function formatBrusselsTime(date: Date, language: keyof typeof LABELS): string {
  return brusselsTimeFormat(language).format(date);
}

/** Who a visible signature names: `actingStatement` is a delegate's statement (issue 12), the legal text stored on the recipient. */
export interface AppearanceSigner {
  name: string;
  /** The function the signer signs with: their own, or a substitute's "wnd. algemeen directeur". */
  function?: string;
  /** The signer's certificate is qualified (eIDAS art. 3(12)), so the block says so instead of "digitally signed". */
  qualified?: boolean;
  /** A delegate's "Bij opdracht van de algemeen directeur", written above signature, name and function (Decreet Lokaal Bestuur art. 280, 283). */
  actingStatement?: string;
}

/**
 * The block's lines: a delegate's statement first, closed by a comma as it is written above a signature, then the name,
 * the function, what kind of signature and when. The statement and the function wrap rather than being cut.
 */
export function appearanceLines(signer: AppearanceSigner, signingTime: Date, language: keyof typeof LABELS): AppearanceLine[] {
  const labels = LABELS[language];
  const lines: AppearanceLine[] = [];
  const statement = signer.actingStatement?.trim().replace(/[,.:;]+$/, '');
  if (statement) lines.push({ text: `${statement},`, wrap: true });
  lines.push({ text: signer.name, face: 'bold' });
  if (signer.function) lines.push({ text: signer.function, wrap: true });
  lines.push({ text: signer.qualified ? labels.qualified : labels.signed });
  lines.push({ text: `${formatBrusselsTime(signingTime, language)} (${labels.zone})` });
  return lines;
}
