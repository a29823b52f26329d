/**
 * README.txt of the evidence bundle: how to check each part without Paraaf, Dutch first, then
 * English. Plain text with CRLF line ends so Notepad shows it right.
 */
export interface BundleReadmeOptions {
  organisation: string;
  envelopeTitle: string;
  envelopeId: string;
  /** Paths of the signed PDFs inside the bundle. */
  documentFiles: readonly string[];
}

export function bundleReadme(options: BundleReadmeOptions): string {
  const files = options.documentFiles.map((file) => `  ${file}`).join('\n');
  const text = `PARAAF - BEWIJSBUNDEL / EVIDENCE BUNDLE
${options.organisation} - ${options.envelopeTitle}
Dossier / signature request: ${options.envelopeId}

=== NEDERLANDS ===

Inhoud
${files}
      de ondertekende PDF's (de laatste versie, met alle handtekeningen)
  audit-report.pdf
      het auditrapport, verzegeld met het zegel van ${options.organisation}
  audit-events.json
      elke gebeurtenis van de audittrail, precies zoals ze gehasht is

U kunt elk deel zelf nakijken, zonder Paraaf:

1. Handtekeningen (PDF's en auditrapport)
   Vraag het basiscertificaat (root) van ${options.organisation} op bij de organisatie zelf,
   niet uit deze bundel. Met poppler-utils en de NSS-tools:
     mkdir nss && certutil -N -d sql:nss --empty-password
     certutil -A -d sql:nss -n root -t CT,C,C -a -i root.pem
     pdfsig -nssdir sql:nss "documents/<naam>.pdf"
     pdfsig -nssdir sql:nss audit-report.pdf
   Elke handtekening moet "Signature is Valid." en "Certificate is Trusted." tonen, ook jaren
   later. Het auditrapport heeft één handtekening (het zegel), met "Total document signed".
   Adobe Acrobat Reader toont hetzelfde in het handtekeningenpaneel.

   Een ondertekend document eindigt met een documenttijdstempel ("Documenttijdstempel",
   "Signature Type: unknown", "Total document signed"): die bewijst dat het hele bestand, met
   alle handtekeningen en de gegevens om ze te controleren, op dat moment bestond (PAdES B-LTA).
   pdfsig controleert zo'n tijdstempel niet ("Signature has not yet been verified."); openssl wel.
   Noteer de "Signed Ranges: [0 - A], [B - C]" van die laatste handtekening in de uitvoer van
   pdfsig hierboven, en dan, bijvoorbeeld bij [0 - 86463], [98753 - 99262]:
     mkdir ts && cd ts && pdfsig -dump "../documents/<naam>.pdf"
     head -c 86463 "../documents/<naam>.pdf" > gedekt.bin
     tail -c +98754 "../documents/<naam>.pdf" >> gedekt.bin      (B + 1)
     openssl ts -verify -data gedekt.bin -token_in -in "<naam>.pdf.sig2" -CAfile ../root.pem
   Gebruik het laatste .sig-bestand dat pdfsig -dump schreef. openssl moet "Verification: OK"
   tonen. Komt de tijdstempel van een dienst buiten de organisatie (zie "Signer Certificate
   Common Name" van die laatste handtekening), gebruik dan het basiscertificaat van die dienst
   bij -CAfile. Het tijdstip staat in de uitvoer van
     openssl ts -reply -token_in -in "<naam>.pdf.sig2" -token_out -text

2. Documenten tegen het rapport
     sha256sum documents/*.pdf
   Elke hash moet gelijk zijn aan "SHA-256 definitief" van dat document in het auditrapport.
   "SHA-256 origineel" is de hash van het document zoals het werd opgeladen.

3. De hashketen van de audittrail
   Regel: hash = SHA-256(prev_hash gevolgd door de canonieke JSON van de gebeurtenis).
   Canonieke JSON: sleutels alfabetisch op elk niveau, geen spaties of regeleinden, UTF-8.
   De prev_hash van de eerste gebeurtenis is 64 nullen.
   In audit-events.json staat elke gebeurtenis op een eigen regel als
     {"event":{...},"hash":"..."}
   en de tekst van {...} na "event": staat al in canonieke vorm. Zonder script:
   a. Neem de eerste regel. Zet de prev_hash (64 nullen) en meteen daarachter de tekst van
      het event-object samen in een bestand zonder regeleinde op het einde, bijvoorbeeld
      met een teksteditor, of: printf '%s' '<prev_hash><event-tekst>' > stap.txt
      (een ' in de tekst schrijft u in de shell als '\\'').
   b. sha256sum stap.txt moet de "hash" van die regel geven.
   c. De "prev_hash" in het event-object van de volgende regel moet die hash zijn.
      Herhaal a-c voor elke regel.
   d. De hash van de laatste regel moet gelijk zijn aan "Laatste hash van de keten" in het
      auditrapport (en aan "final_hash" bovenaan audit-events.json).
   Omdat het rapport verzegeld is, kan niemand een gebeurtenis wijzigen, weglaten of
   toevoegen zonder dat stap b, c of d faalt of het zegel breekt.

=== ENGLISH ===

Contents
${files}
      the signed PDFs (the latest revision, with every signature)
  audit-report.pdf
      the audit report, sealed with the seal of ${options.organisation}
  audit-events.json
      every event of the audit trail, exactly as it was hashed

You can check each part yourself, without Paraaf:

1. Signatures (PDFs and audit report)
   Get the root certificate of ${options.organisation} from the organisation itself, not
   from this bundle. With poppler-utils and the NSS tools:
     mkdir nss && certutil -N -d sql:nss --empty-password
     certutil -A -d sql:nss -n root -t CT,C,C -a -i root.pem
     pdfsig -nssdir sql:nss "documents/<name>.pdf"
     pdfsig -nssdir sql:nss audit-report.pdf
   Every signature must show "Signature is Valid." and "Certificate is Trusted.", also years
   from now. The audit report has one signature (the seal), with "Total document signed".
   Adobe Acrobat Reader shows the same in its signature panel.

   A signed document ends with a document timestamp ("Documenttijdstempel", "Signature Type:
   unknown", "Total document signed"): it proves that the whole file, with every signature and
   the data to check them, existed at that moment (PAdES B-LTA). pdfsig does not check such a
   timestamp ("Signature has not yet been verified."); openssl does. Note the "Signed Ranges:
   [0 - A], [B - C]" of that last signature in pdfsig's output above, then, for example with
   [0 - 86463], [98753 - 99262]:
     mkdir ts && cd ts && pdfsig -dump "../documents/<name>.pdf"
     head -c 86463 "../documents/<name>.pdf" > covered.bin
     tail -c +98754 "../documents/<name>.pdf" >> covered.bin      (B + 1)
     openssl ts -verify -data covered.bin -token_in -in "<name>.pdf.sig2" -CAfile ../root.pem
   Use the last .sig file pdfsig -dump wrote. openssl must show "Verification: OK". When the
   timestamp comes from a service outside the organisation (see "Signer Certificate Common
   Name" of that last signature), give that service's root certificate to -CAfile. The time
   is in the output of
     openssl ts -reply -token_in -in "<name>.pdf.sig2" -token_out -text

2. Documents against the report
     sha256sum documents/*.pdf
   Each hash must equal the "SHA-256 final" of that document in the audit report.
   "SHA-256 original" is the hash of the document as it was uploaded.

3. The hash chain of the audit trail
   Rule: hash = SHA-256(prev_hash followed by the canonical JSON of the event).
   Canonical JSON: keys sorted at every level, no spaces or line breaks, UTF-8.
   The first event's prev_hash is 64 zeros.
   audit-events.json holds each event on its own line as
     {"event":{...},"hash":"..."}
   and the text of {...} after "event": is already canonical. Without a script:
   a. Take the first line. Put the prev_hash (64 zeros) and right after it the text of the
      event object together in a file with no line break at the end, with a text editor
      or: printf '%s' '<prev_hash><event text>' > step.txt
      (write a ' in the text as '\\'' in the shell).
   b. sha256sum step.txt must give that line's "hash".
   c. The "prev_hash" inside the next line's event object must be that hash.
      Repeat a-c for every line.
   d. The last line's hash must equal "Final hash of the chain" in the audit report (and
      "final_hash" at the top of audit-events.json).
   Because the report is sealed, nobody can change, drop or add an event without step b, c
   or d failing or the seal breaking.
`;
  return text.replace(/\r?\n/g, '\r\n');
}
