/**
 * Qualified signing through a remote service (issue 13, CSC API v2): the director starts at the test QTSP
 * (C's server, keys in SoftHSM2, consent approved at once), the callback lists her credential, checks its
 * certificate (qualified CA on a trusted list, OCSP from a local responder) and prepares the document, the
 * provider authorises exactly those hashes, and the second callback signs them and completes. The PDF
 * passes verifyPdf, pdfsig, qpdf and openssl cms; a tampered or replayed state is refused.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { verifyChain } from '../../../src/audit/index.ts';
import { parseTrustList } from '../../../src/pades/trust-list.ts';
import { combineRevocationSources } from '../../../src/keys/combined-revocation-source.ts';
import { createRemoteRevocationSource } from '../../../src/keys/remote-revocation-source.ts';
import { revisionsOf } from '../../../src/store/document-repository.ts';
import { createEnvelope, remoteSigningCallback, sendEnvelope, startRemoteSigning, type WorkflowDeps } from '../../../src/workflow/index.ts';
import { startCscServer, type CscTestServer } from '../../helpers/csc-server.ts';
import { startForeignCaResponder, type ForeignCaResponder } from '../../helpers/foreign-ca-responder.ts';
import { expectAllValid } from '../engine/check.ts';
import { auditTrail, expectAppError, fixture, lastToken, openBench, BASE_URL, type Bench } from './helpers.ts';
import { qualifiedCaList, sharedSoftHsm } from './qualified-bench.ts';
import { readDocuments, signAfterReading } from '../../helpers/reading.ts';

/** What the provider's authorisation page does with consent given: back to our callback with code and state. */
async function approve(url: string): Promise<{ code: string; state: string }> {
  const answer = await fetch(url, { redirect: 'manual' });
  expect(answer.status, await answer.clone().text()).to.equal(302);
  const back = new URL(answer.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).to.equal(`${BASE_URL}/s/csc/callback`);
  return { code: back.searchParams.get('code')!, state: back.searchParams.get('state')! };
}

describe('workflow: qualified signatures through a remote signing service (CSC API v2)', function () {
  this.timeout(120_000);
  let bench: Bench;
  let responder: ForeignCaResponder;
  let csc: CscTestServer;
  let deps: WorkflowDeps;
  before(async () => {
    bench = await openBench();
    responder = await startForeignCaResponder();
    csc = await startCscServer({ softHsm: sharedSoftHsm(), autoApprove: true, signer: { given: 'An', surname: 'Janssens' }, ocspUrl: responder.ocspUrl, crlUrl: responder.crlUrl, caIssuersUrl: responder.caIssuersUrl });
    responder.setIssuer(csc.ca.der, csc.ca.key);
    const remote = createRemoteRevocationSource({ timeoutMs: 5_000 });
    deps = {
      ...bench.deps,
      // The QTSP's certificates carry no QcStatements: the list's qualifiers make them qualified, on a QSCD, for e-signatures.
      trustList: parseTrustList(qualifiedCaList('Test QTSP', [csc.ca.der], ['QCStatement', 'QCWithQSCD', 'QCForESig'])),
      revocation: combineRevocationSources(bench.deps.revocation, remote),
      remoteRevocation: remote,
      cscProviders: [csc.provider],
      signerSecret: randomBytes(32),
    };
  });
  after(async () => {
    await csc?.close();
    await responder?.close();
    await bench?.close();
  });

  async function envelope() {
    const created = await createEnvelope(deps, {
      organisationId: bench.organisation.id,
      actor: bench.actor,
      title: 'College — besluit 2026/112',
      signatureLevel: 'qualified',
      documents: [
        { name: 'besluit.pdf', pdf: fixture('reportlab-decision.pdf') },
        { name: 'bijlage.pdf', pdf: fixture('reportlab-decision.pdf') },
      ],
      recipients: [
        { name: 'An Janssens', email: `an.${Math.random().toString(36).slice(2, 8)}@zonnebeke.test`, function: 'Algemeen directeur', role: 'signer', routingOrder: 1 },
        { name: 'Karel Vandamme', email: `karel.${Math.random().toString(36).slice(2, 8)}@zonnebeke.test`, function: 'Burgemeester', role: 'signer', routingOrder: 2, signatureLevel: 'advanced' },
      ],
    });
    await sendEnvelope(deps, { organisationId: bench.organisation.id, actor: bench.actor, envelopeId: created.id });
    // The director has read every document (issue 12), as they must before a remote signature starts.
    const token = await lastToken(bench, created.recipients[0].email);
    await readDocuments(deps, token);
    return { created, token, chairToken: () => lastToken(bench, created.recipients[1].email) };
  }

  it('signs two documents under one credential authorisation; the PDFs pass every validator', async () => {
    const { created, token, chairToken } = await envelope();
    const started = await startRemoteSigning(deps, { token, providerId: csc.provider.id });
    const authorizeUrl = new URL(started.redirect);
    expect(authorizeUrl.searchParams.get('scope')).to.equal('service');
    expect(authorizeUrl.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(started.redirect, 'the link token never goes to the provider').to.not.include(token);

    const first = await remoteSigningCallback(deps, await approve(started.redirect));
    expect(first.step).to.equal('authorize');
    const credentialUrl = new URL(first.redirect);
    expect(credentialUrl.searchParams.get('scope')).to.equal('credential');
    expect(credentialUrl.searchParams.get('numSignatures')).to.equal('2');

    const callback = await approve(first.redirect);
    const second = await remoteSigningCallback(deps, callback);
    if (second.step !== 'signed') throw new Error('expected the signatures to be made');
    expect(second.redirect).to.equal(`/s/${token}/done`);
    expect(second.envelope.recipients[0].status).to.equal('signed');
    expect(csc.signatureCount).to.equal(2);
    // The same callback again: the session is spent.
    await expectAppError(remoteSigningCallback(deps, callback), 'session_used', 409);

    expect((await signAfterReading(deps, { token: await chairToken() })).envelope.status).to.equal('completed');
    for (const document of created.documents) {
      const revisions = await revisionsOf(deps.db, document.id);
      await expectAllValid(await deps.blobs.get(revisions.at(-1)!.blobSha256), [bench.pki.rootPem, csc.root.pem], { count: 2, label: `csc ${document.name}` });
    }
    const trail = await auditTrail(bench, created.id);
    const presented = trail.find((e) => e.action === 'signing.certificate_presented')!.details as Record<string, any>;
    expect([presented.method, presented.providerId, presented.certificate.qualification.kind]).to.deep.equal(['csc', csc.provider.id, 'qualified']);
    const signed = trail.filter((e) => e.action === 'recipient.signed').map((e) => (e.details as Record<string, any>).method ?? 'one-shot');
    expect(signed).to.deep.equal(['csc', 'csc', 'one-shot', 'one-shot']);
    expect(verifyChain(trail)).to.deep.equal({ valid: true, length: trail.length });
  });

  it('refuses a provider the organisation does not offer, a tampered state and a session past its time', async () => {
    const { token } = await envelope();
    await expectAppError(startRemoteSigning(deps, { token, providerId: 'elders' }), 'provider_not_found', 404);
    await expectAppError(startRemoteSigning({ ...deps, cscProviders: [{ ...csc.provider, organisations: ['another-town'] }] }, { token, providerId: csc.provider.id }), 'provider_not_found', 404);
    const started = await startRemoteSigning(deps, { token, providerId: csc.provider.id });
    const back = await approve(started.redirect);
    // Another last character, always (a state that happened to end in the replacement would be itself).
    const tampered = `${back.state.slice(0, -1)}${back.state.endsWith('A') ? 'B' : 'A'}`;
    await expectAppError(remoteSigningCallback(deps, { ...back, state: tampered }), 'session_not_found', 404);
    await expectAppError(remoteSigningCallback({ ...deps, signerSecret: randomBytes(32) }, back), 'session_not_found', 404);
    bench.advance(11 * 60_000);
    try {
      await expectAppError(remoteSigningCallback(deps, back), 'session_expired', 410);
    } finally {
      bench.advance(-11 * 60_000);
    }
  });
});
