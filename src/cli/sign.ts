import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.ts';
import { createSigningKey, loadOrCreateDevPki, loadPkcs12, type SigningKey } from '../keys/index.ts';
import { signPdf, type SignaturePlacement } from '../pades/index.ts';
import { inspectPdf } from '../pdf/index.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';

export async function runSign(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      signer: { type: 'string' },
      function: { type: 'string' },
      reason: { type: 'string' },
      location: { type: 'string' },
      field: { type: 'string' },
      visible: { type: 'string' },
      invisible: { type: 'boolean' },
      p12: { type: 'string' },
      password: { type: 'string' },
    },
    2,
  );
  const [input, output] = positionals;
  if (!values.signer) throw new UsageError('--signer "Name <email>" is required.');
  if (values.visible && values.invisible) throw new UsageError('Use either --visible or --invisible.');
  const signer = parseSigner(values.signer);
  const pdf = await readFile(input).catch(() => {
    throw new UsageError(`Cannot read ${input}.`);
  });
  // The file comes from outside: read all of it within bounds before signing (signPdf itself is lazy).
  await inspectPdf(pdf);
  const key = values.p12
    ? await keyFromPkcs12(values.p12, values.password ?? '')
    : await oneShotKey(context, { name: signer.name, email: signer.email, title: values.function });
  const signed = await signPdf(pdf, {
    key,
    signer: { name: signer.name, function: values.function },
    fieldName: values.field,
    placement: values.visible ? parsePlacement(values.visible) : undefined,
    invisible: values.invisible,
    reason: values.reason,
    location: values.location,
    contactInfo: signer.email,
  });
  await writeFile(output, signed);
  context.out(`Signed ${input} → ${output} (${signed.length} bytes) as ${signer.name}.`);
  return 0;
}

export function parseSigner(value: string): { name: string; email?: string } {
  const m = /^\s*(.*?)\s*(?:<([^<>\s]+@[^<>\s]+)>)?\s*$/.exec(value);
  if (!m || !m[1]) throw new UsageError('--signer must look like "Name <email>".');
  return { name: m[1], email: m[2] };
}

export function parsePlacement(value: string): SignaturePlacement {
  const parts = value.split(',').map(Number);
  if (parts.length !== 5 || parts.some((n) => !Number.isFinite(n)) || parts[3] <= 0 || parts[4] <= 0) {
    throw new UsageError('--visible takes page,x,y,width,height (points), e.g. 1,72,72,200,60.');
  }
  const [page, x, y, width, height] = parts;
  return { page, x, y, width, height };
}

async function keyFromPkcs12(file: string, password: string): Promise<SigningKey> {
  const data = await readFile(file).catch(() => {
    throw new UsageError(`Cannot read ${file}.`);
  });
  const { privateKey, certificates } = loadPkcs12(data, password);
  return createSigningKey(privateKey, certificates);
}

async function oneShotKey(context: CliContext, identity: { name: string; email?: string; title?: string }): Promise<SigningKey> {
  const pki = await loadOrCreateDevPki({ directory: path.join(context.config.certsDir, 'dev') });
  if (pki.created) context.err(`Development PKI created in ${pki.directory}; trust ${pki.rootPem} to validate.`);
  if (!identity.name) throw new AppError('invalid_request', 400, 'A signer needs a name.');
  return pki.issuer.issueOneShot(identity);
}
