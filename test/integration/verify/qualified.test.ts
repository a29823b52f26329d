/**
 * Qualified signatures in verification (issue 13): a decision signed first with our one-shot
 * certificate (`cli sign`), then by "Jan Peeters" with an eID-shaped qualified certificate
 * (test/helpers/qualified-pki.ts) whose Citizen CA is on an ETSI TS 119 612 trusted list. verifyPdf,
 * the worker pool, `POST /api/v1/verify` (TRUST_LIST_FILES) and `cli verify --trust-list` say the eID
 * signature is qualified and ours is not; pdfsig, qpdf and openssl cms agree the file is sound and
 * both chains hold. Without the list the eID chain is untrusted and its qualification unknown.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { buildCertificate } from '../../../src/keys/certificate-builder.ts';
import { createKeySigner } from '../../../src/keys/signing-key.ts';
import { signPdf } from '../../../src/pades/sign-pdf.ts';
import { loadTrustLists, parseTrustList, type TrustList } from '../../../src/pades/trust-list.ts';
import { verifyPdf } from '../../../src/pades/verify-pdf.ts';
import { createVerifyPool } from '../../../src/pades/verify-pool.ts';
import type { SignatureReport } from '../../../src/pades/report.ts';
import { bootstrap } from '../../helpers/bootstrap.ts';
import { cli, root } from '../admin-cli/helpers.ts';
import { localKey } from '../../helpers/openssl-pki.ts';
import { citizenCaService, qualifiedPki } from '../../helpers/qualified-pki.ts';
import { trustListXml } from '../../helpers/trust-list-xml.ts';
import { opensslCmsVerify, pdfsig, qpdfCheck } from '../../helpers/validators.ts';

const TSP = 'Test Certipost NV/SA';

describe('verification of qualified signatures against trusted lists', function () {
  this.timeout(180_000);
  const q = qualifiedPki();
  let work: string;
  let env: Record<string, string>;
  let ourRoot: X509Certificate;
  let signedPath: string;
  let pdf: Buffer;
  let listPath: string;
  let trustList: TrustList;

  const kinds = (signatures: Pick<SignatureReport, 'certificate'>[]) => signatures.map((s) => s.certificate.kind);

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'paraaf-qualified-'));
    env = { CERTS_DIR: path.join(work, 'certs'), DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'silent' };
    const oneShot = path.join(work, 'one-shot.pdf');
    const sign = await cli(['sign', path.join(root, 'fixtures/pdf/pdflib-decision.pdf'), oneShot, '--signer', 'Els Vandenberghe', '--invisible'], env);
    expect(sign.code, sign.stderr).to.equal(0);
    ourRoot = new X509Certificate(readFileSync(path.join(work, 'certs/dev/root-ca.pem')));
    // The eID signature: P-384, SHA-384, the card's chain in the CMS as a Belgian eID middleware puts it.
    pdf = await signPdf(readFileSync(oneShot), { key: localKey(q.qualified, [q.citizenCa, q.root], 'ecdsa', 'sha384'), signer: { name: 'Jan Peeters' }, invisible: true, fieldName: 'Handtekening Jan Peeters' });
    signedPath = path.join(work, 'signed.pdf');
    writeFileSync(signedPath, pdf);
    listPath = path.join(work, 'tl-be.xml');
    writeFileSync(listPath, trustListXml({ tsp: TSP, services: [citizenCaService()] }));
    trustList = loadTrustLists([listPath]);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('verifyPdf: the eID signature is qualified and trusted through the list; the one-shot one is valid and not qualified', async () => {
    const report = await verifyPdf(pdf, { trustAnchors: [ourRoot], trustList });
    expect(report.verdict, JSON.stringify(report.signatures.map((s) => [s.problems, s.chain]))).to.equal('valid');
    const [ours, eid] = report.signatures;
    expect(ours.certificate).to.deep.include({ kind: 'non_qualified', qcCompliance: false, service: null });
    expect(ours.certificate.reason).to.match(/no QcCompliance statement/);
    expect(eid.signer?.commonName).to.equal('Jan Peeters (Signature)');
    expect(eid.chain).to.deep.include({ trusted: true, validAtSigningTime: true });
    expect(eid.chain.path.at(-1)).to.equal('CN=Test Citizen CA, serialNumber=202401, O=Test Certipost, C=BE');
    expect(eid.certificate).to.deep.equal({ kind: 'qualified', qcCompliance: true, qcSscd: true, qcType: 'esign', service: { tsp: TSP, name: 'Test Citizen CA', status: 'granted' }, reason: null });
    expect(report.problems).to.deep.equal([]);
    // A list past its NextUpdate is still used, and said.
    const nextUpdate = new Date(Date.now() - 86_400_000);
    const stale = parseTrustList(trustListXml({ tsp: TSP, sequenceNumber: 7, issued: new Date(nextUpdate.getTime() - 180 * 86_400_000), nextUpdate, services: [citizenCaService()] }));
    const staleReport = await verifyPdf(pdf, { trustAnchors: [ourRoot], trustList: stale });
    expect(kinds(staleReport.signatures)).to.deep.equal(['non_qualified', 'qualified']);
    expect(staleReport.problems).to.deep.equal([`the trusted list of BE (sequence 7) was due to be replaced on ${nextUpdate.toISOString()}; a newer one may say otherwise`]);

    // Without the list: the eID chain leads nowhere we trust, and nothing confirms its claim.
    const without = await verifyPdf(pdf, { trustAnchors: [ourRoot] });
    expect(without.verdict).to.equal('untrusted');
    expect(without.signatures[1].chain.trusted).to.equal(false);
    expect(without.signatures[1].certificate).to.deep.include({ kind: 'unknown', qcCompliance: true });
  });

  it('hundreds of qualified CAs from many lists do not crowd out the chain the file carries', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signer = { key: createKeySigner(privateKey) };
    const others = await Promise.all(Array.from({ length: 400 }, (_, i) => buildCertificate({
      subject: [{ type: 'countryName', value: 'EU' }, { type: 'commonName', value: `Qualified CA ${i}` }],
      subjectPublicKey: publicKey, notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2040-01-01T00:00:00Z'), ca: {}, keyUsage: ['keyCertSign', 'cRLSign'],
    }, signer)));
    const many = parseTrustList(trustListXml({ tsp: 'Many', services: [...others.map((der, i) => ({ name: `CA ${i}`, type: 'CA/QC', status: 'granted', certificates: [der] })), citizenCaService()] }));
    expect(many.anchors).to.have.length(401);
    const report = await verifyPdf(pdf, { trustAnchors: [ourRoot], trustList: many });
    expect(report.verdict, JSON.stringify(report.signatures.map((s) => s.chain))).to.equal('valid');
    expect(kinds(report.signatures)).to.deep.equal(['non_qualified', 'qualified']);
  });

  it('pdfsig (trusting our root and the eID root), qpdf --check and openssl cms -verify agree', async () => {
    const checked = await pdfsig(signedPath, [ourRoot.toString(), q.root.pem]);
    expect(checked.signatures.map((s) => [s.signatureValid, s.certificateTrusted]), checked.stdout).to.deep.equal([[true, true], [true, true]]);
    expect(checked.signatures[1].signerCommonName).to.equal('Jan Peeters (Signature)');
    const check = await qpdfCheck(signedPath);
    expect(check.ok, check.stdout + check.stderr).to.equal(true);
    const cms = await opensslCmsVerify(pdf, 1, q.root.pem);
    expect(cms.ok, cms.output).to.equal(true);
  });

  it('the worker pool sends the list to its worker as plain data and follows a change of list', async () => {
    const withdrawn = parseTrustList(trustListXml({
      tsp: TSP,
      services: [citizenCaService({ status: 'withdrawn', statusStartingTime: new Date('2020-01-01T00:00:00Z'), history: [{ status: 'granted', from: new Date('2016-07-01T00:00:00Z') }] })],
    }));
    const pool = createVerifyPool({ size: 1, maxQueued: 4, timeoutMs: 60_000 });
    try {
      const granted = await pool.verify(pdf, { trustAnchors: [ourRoot], trustList });
      expect(kinds(granted.signatures)).to.deep.equal(['non_qualified', 'qualified']);
      const stale = await pool.verify(pdf, { trustAnchors: [ourRoot], trustList: withdrawn });
      expect(kinds(stale.signatures)).to.deep.equal(['non_qualified', 'non_qualified']);
      expect(stale.signatures[1].certificate.reason).to.match(/was not granted when the certificate was issued/);
      const again = await pool.verifyFile(signedPath, { trustAnchors: [ourRoot], trustList });
      expect(kinds(again.signatures)).to.deep.equal(['non_qualified', 'qualified']);
      const none = await pool.verify(pdf, { trustAnchors: [ourRoot] });
      expect(kinds(none.signatures)).to.deep.equal(['non_qualified', 'unknown']);
    } finally {
      await pool.close();
    }
  });

  it('POST /api/v1/verify uses TRUST_LIST_FILES; a list that cannot be read refuses the start', async () => {
    const app = await bootstrap({ env: { TRUST_LIST_FILES: listPath }, trustAnchors: [ourRoot] });
    try {
      expect(app.deps.trustList?.anchors.map((a) => a.subject)).to.deep.equal([q.citizenCa.cert.subject]);
      const res = await request(app.url).post('/api/v1/verify').attach('file', pdf, 'besluit.pdf').expect(200);
      expect(res.body.verdict).to.equal('valid');
      expect(kinds(res.body.signatures)).to.deep.equal(['non_qualified', 'qualified']);
      expect(res.body.signatures[1].certificate.service).to.deep.equal({ tsp: TSP, name: 'Test Citizen CA', status: 'granted' });
    } finally {
      await app.close();
    }
    const missing = path.join(work, 'nowhere.xml');
    let refused: unknown = null;
    await bootstrap({ env: { TRUST_LIST_FILES: missing } }).then((a) => a.close(), (error: unknown) => { refused = error; });
    expect(String(refused)).to.match(/trusted list .*nowhere\.xml cannot be read/);
  });

  it('cli verify --trust-list says which signature is qualified; a list it cannot read is a usage error', async () => {
    const text = await cli(['verify', signedPath, '--trust-list', listPath], env);
    expect(text.code, text.stdout + text.stderr).to.equal(0);
    expect(text.stdout).to.include(`qualified: qualified (${TSP}: Test Citizen CA, granted)`);
    expect(text.stdout).to.match(/qualified: non_qualified — the certificate is not qualified: it has no QcCompliance statement/);
    const json = JSON.parse((await cli(['verify', signedPath, '--json', '--trust-list', listPath], env)).stdout);
    expect(kinds(json.signatures)).to.deep.equal(['non_qualified', 'qualified']);
    const withoutList = await cli(['verify', signedPath], env);
    expect(withoutList.code).to.equal(1);
    expect(withoutList.stdout).to.match(/qualified: unknown — the certificate says it is qualified, but no trusted list is loaded/);
    const broken = path.join(work, 'broken.xml');
    writeFileSync(broken, '<TrustServiceStatusList xmlns="urn:not-etsi"/>');
    const bad = await cli(['verify', signedPath, '--trust-list', broken], env);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/trusted list .*broken\.xml is not a usable ETSI TS 119 612 list: the root element is \{urn:not-etsi\}TrustServiceStatusList/);
  });
});
