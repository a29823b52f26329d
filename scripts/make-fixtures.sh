#!/usr/bin/env bash
# Generates the PDF fixtures in fixtures/pdf/ (see fixtures/pdf/README.md) with several real producers:
# LibreOffice, Ghostscript, qpdf, reportlab and pdf-lib (+ @signpdf for the files signed by "another tool").
#
#   bash scripts/make-fixtures.sh          (or: npm run fixtures)
#
# Re-running is safe; output is functionally identical but not byte-identical (timestamps, /ID, signatures,
# and the throwaway "Other Tool Test CA" is regenerated each run; its private key never leaves a temp dir).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$ROOT/scripts/fixtures"
OUT="$ROOT/fixtures/pdf"
HOSTILE="$OUT/hostile"
PY=/usr/bin/python3
WORK="$(mktemp -d "${TMPDIR:-/tmp}/paraaf-fixtures.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export TZ=UTC SOURCE_DATE_EPOCH=1795552200 # 2026-11-24T20:30:00Z, honoured by reportlab/gs where supported

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- tools ------------------------------------------------------------------------------------------
need() { command -v "$1" >/dev/null 2>&1 || { echo "missing tool: $1 ($2)" >&2; exit 1; }; }
if ! command -v soffice >/dev/null 2>&1; then
  # libreoffice-writer-nogui may still be installing in this environment: wait a little, then install.
  for _ in $(seq 1 30); do command -v soffice >/dev/null 2>&1 && break; sleep 10; done
  if ! command -v soffice >/dev/null 2>&1; then
    log "installing libreoffice-writer-nogui"
    apt-get install -y libreoffice-writer-nogui >&2
  fi
fi
need soffice "apt-get install libreoffice-writer-nogui"
need gs "apt-get install ghostscript"
need qpdf "apt-get install qpdf"
need openssl "apt-get install openssl"
need node "Node 20"
"$PY" -c 'import reportlab' 2>/dev/null || { echo "missing python3-reportlab (apt-get install python3-reportlab)" >&2; exit 1; }

NODE_FIX=(npx --no-install tsx "$HERE/node-fixtures.ts")

mkdir -p "$OUT" "$HOSTILE"
# Remove only what this script generates (keeps any hand-added files).
rm -f "$OUT"/libreoffice-*.pdf "$OUT"/ghostscript-*.pdf "$OUT"/reportlab-*.pdf "$OUT"/pdflib-*.pdf "$OUT"/qpdf-*.pdf \
  "$OUT"/incremental-update.pdf "$OUT"/hybrid-xref.pdf "$OUT"/signed-by-openssl.pdf "$OUT"/multipage-decision.pdf \
  "$OUT"/rotated.pdf "$OUT"/a4-and-letter.pdf "$OUT"/other-tool-root.pem "$HOSTILE"/*.pdf

# --- LibreOffice Writer -----------------------------------------------------------------------------
log "LibreOffice"
"$PY" "$HERE/gen_sources.py" fodt "$WORK/libreoffice-decision.fodt"
"$PY" "$HERE/gen_sources.py" fodt "$WORK/libreoffice-form.fodt" --form
LO=(soffice "-env:UserInstallation=file://$WORK/lo-profile" --headless --norestore)
"${LO[@]}" --convert-to pdf --outdir "$WORK/lo" "$WORK/libreoffice-decision.fodt" "$WORK/libreoffice-form.fodt" >&2
# PDF/A-2b export (SelectPdfVersion 2) of the same decision.
cp "$WORK/libreoffice-decision.fodt" "$WORK/libreoffice-pdfa.fodt"
"${LO[@]}" --convert-to 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}' \
  --outdir "$WORK/lo" "$WORK/libreoffice-pdfa.fodt" >&2
cp "$WORK/lo/libreoffice-decision.pdf" "$WORK/lo/libreoffice-form.pdf" "$WORK/lo/libreoffice-pdfa.pdf" "$OUT/"

# --- Ghostscript ------------------------------------------------------------------------------------
log "Ghostscript"
"$PY" "$HERE/gen_sources.py" ps "$WORK/decision.ps"
gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -o "$OUT/ghostscript-decision.pdf" "$WORK/decision.ps"

# --- reportlab --------------------------------------------------------------------------------------
log "reportlab"
"$PY" "$HERE/gen_sources.py" reportlab "$OUT"   # reportlab-decision, reportlab-acroform, multipage-decision

# --- pdf-lib ----------------------------------------------------------------------------------------
log "pdf-lib"
(cd "$ROOT" && "${NODE_FIX[@]}" pdflib "$OUT")    # pdflib-decision, rotated, a4-and-letter

# --- qpdf transforms --------------------------------------------------------------------------------
log "qpdf"
qpdf --deterministic-id --object-streams=generate "$OUT/libreoffice-decision.pdf" "$OUT/qpdf-objstm.pdf"
qpdf --deterministic-id --linearize "$OUT/libreoffice-decision.pdf" "$OUT/qpdf-linearized.pdf"
qpdf --deterministic-id --object-streams=disable "$OUT/pdflib-decision.pdf" "$OUT/qpdf-classic.pdf"

# --- hand-written incremental updates ---------------------------------------------------------------
log "incremental updates"
(cd "$ROOT" && "${NODE_FIX[@]}" incremental "$OUT/reportlab-decision.pdf" "$OUT/incremental-update.pdf")
(cd "$ROOT" && "${NODE_FIX[@]}" hybrid "$OUT/reportlab-decision.pdf" "$OUT/hybrid-xref.pdf")

# --- signed by another tool (@signpdf) with a throwaway CA ------------------------------------------
log "signatures by another tool"
CA="$WORK/ca"
mkdir -p "$CA"
cat >"$CA/ext.cnf" <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CA/root.key" -out "$CA/root.pem" -days 9125 \
  -subj "/C=BE/O=Other Tool Test/CN=Other Tool Test CA" -config "$CA/ext.cnf" -extensions ca_ext 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$CA/leaf.key" -out "$CA/leaf.csr" \
  -subj "/C=BE/O=Other Tool Test/CN=Other Tool Signer" -config "$CA/ext.cnf" 2>/dev/null
openssl x509 -req -in "$CA/leaf.csr" -CA "$CA/root.pem" -CAkey "$CA/root.key" -set_serial 4242 \
  -out "$CA/leaf.pem" -days 9000 -extfile "$CA/ext.cnf" -extensions leaf_ext 2>/dev/null
# Legacy PBE/MAC so that node-forge (used by @signpdf/signer-p12) can read the PKCS#12.
openssl pkcs12 -export -inkey "$CA/leaf.key" -in "$CA/leaf.pem" -certfile "$CA/root.pem" -out "$CA/leaf.p12" \
  -passout pass:other-tool -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1
cp "$CA/root.pem" "$OUT/other-tool-root.pem"   # certificate only; the keys stay in $WORK and are deleted
(cd "$ROOT" && "${NODE_FIX[@]}" sign "$OUT/pdflib-decision.pdf" "$OUT/signed-by-openssl.pdf" "$CA/leaf.p12" other-tool)
(cd "$ROOT" && "${NODE_FIX[@]}" certify "$OUT/pdflib-decision.pdf" "$HOSTILE/certified-no-changes.pdf" "$CA/leaf.p12" other-tool)

# --- hostile / broken -------------------------------------------------------------------------------
log "hostile files"
gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pnggray -r12 -dFirstPage=1 -dLastPage=1 \
  -o "$HOSTILE/not-a-pdf.pdf" "$OUT/reportlab-decision.pdf"    # a PNG image named .pdf
: >"$HOSTILE/empty.pdf"
SIZE=$(stat -c %s "$OUT/libreoffice-decision.pdf")
head -c $((SIZE / 2)) "$OUT/libreoffice-decision.pdf" >"$HOSTILE/truncated.pdf"
qpdf --allow-weak-crypto --encrypt user owner 128 --use-aes=n -- "$OUT/libreoffice-decision.pdf" "$HOSTILE/encrypted-rc4.pdf"
qpdf --encrypt user owner 256 -- "$OUT/libreoffice-decision.pdf" "$HOSTILE/encrypted-aes256.pdf"
qpdf --encrypt "" owner 256 --modify=none -- "$OUT/libreoffice-decision.pdf" "$HOSTILE/encrypted-owner-only.pdf"
(cd "$ROOT" && "${NODE_FIX[@]}" hostile "$HOSTILE")  # zip bombs, deep nesting, huge page count, xref loop, garbage xref

# --- checks -----------------------------------------------------------------------------------------
log "qpdf --check on the good fixtures"
fail=0
for f in "$OUT"/*.pdf; do
  set +e
  msg="$(qpdf --check "$f" 2>&1)"
  rc=$?
  set -e
  case $rc in
    0) printf '  ok        %s\n' "$(basename "$f")" >&2 ;;
    3) printf '  warnings  %s\n' "$(basename "$f")" >&2; grep -i warning <<<"$msg" | sed 's/^/            /' >&2 ;;
    *) printf '  ERROR     %s\n%s\n' "$(basename "$f")" "$msg" >&2; fail=1 ;;
  esac
done
for f in "$OUT"/*.pdf "$HOSTILE"/*.pdf; do
  s=$(stat -c %s "$f")
  case "$(basename "$f")" in zip-bomb.pdf) max=3145728 ;; *) max=262144 ;; esac
  if [ "$s" -gt "$max" ]; then echo "too large: $f ($s bytes)" >&2; fail=1; fi
done
[ "$fail" = 0 ] || { echo "fixture checks failed" >&2; exit 1; }

"$PY" "$HERE/describe.py" "$OUT"/*.pdf "$HOSTILE"/*.pdf
du -sh "$OUT" >&2
log "done"
