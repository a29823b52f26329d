import { expect } from 'chai';
import { describeCertificate, validateChain } from '../../../src/pades/trust.ts';
import { pki } from '../../helpers/openssl-pki.ts';

const ROOT = 'CN=Paraaf Test Root, O=Paraaf Test, C=BE';
const ISSUING = 'CN=Paraaf Test Issuing CA, O=Paraaf Test, C=BE';
const LEAF = 'CN=Bart De Smet, title=Algemeen directeur, O=Gemeente Teststad, C=BE';

describe('pades/trust', () => {
  describe('validateChain', () => {
    it('builds leaf → issuing CA → root through the CMS certificates', () => {
      const { ec256, intermediate, root } = pki();
      const result = validateChain(ec256.cert, [ec256.cert, intermediate.cert], [root.cert], new Date());
      expect(result).to.deep.equal({ trusted: true, path: [LEAF, ISSUING, ROOT], validAtSigningTime: true, reason: null });
    });

    it('accepts the root in the pool and an anchor that is the issuing CA itself', () => {
      const { ec256, intermediate, root } = pki();
      expect(validateChain(ec256.cert, [root.cert, intermediate.cert], [root.cert], new Date()).trusted).to.equal(true);
      const short = validateChain(ec256.cert, [], [intermediate.cert], new Date());
      expect(short).to.include({ trusted: true, reason: null });
      expect(short.path).to.deep.equal([LEAF, ISSUING]);
    });

    it('does not trust a chain to another root', () => {
      const { ec256, intermediate, otherRoot } = pki();
      const result = validateChain(ec256.cert, [intermediate.cert, otherRoot.cert], [otherRoot.cert], new Date());
      expect(result).to.deep.equal({ trusted: false, path: [LEAF, ISSUING], validAtSigningTime: true, reason: 'no path to a trust anchor' });
    });

    it('does not trust a leaf whose issuing CA is missing', () => {
      const { ec256, root } = pki();
      const result = validateChain(ec256.cert, [], [root.cert], new Date());
      expect(result).to.include({ trusted: false, reason: 'no path to a trust anchor' });
      expect(result.path).to.deep.equal([LEAF]);
    });

    it('refuses an issuer that is not a CA', () => {
      const { underLeaf, ec256, intermediate, root } = pki();
      const result = validateChain(underLeaf.cert, [ec256.cert, intermediate.cert], [root.cert], new Date());
      expect(result.trusted).to.equal(false);
      expect(result.reason).to.match(/^issuer certificate is not a CA \(CN=Bart De Smet/);
    });

    it('stops on a self-signed certificate that is not an anchor', () => {
      const { otherRoot, root } = pki();
      expect(validateChain(otherRoot.cert, [otherRoot.cert], [root.cert], new Date())).to.include({ trusted: false });
    });

    it('reports certificates expired or not yet valid at the signing time', () => {
      const { ec256, intermediate, root } = pki();
      const later = validateChain(ec256.cert, [intermediate.cert], [root.cert], new Date(Date.now() + 400 * 86_400_000));
      expect(later).to.include({ trusted: true, validAtSigningTime: false });
      expect(later.reason).to.equal(`certificate expired on ${new Date(ec256.cert.validTo).toISOString()}, before the time it is judged at (${LEAF})`);
      const earlier = validateChain(ec256.cert, [intermediate.cert], [root.cert], new Date('2001-01-01T00:00:00Z'));
      expect(earlier.validAtSigningTime).to.equal(false);
      expect(earlier.reason).to.match(/^certificate not valid before \S+, after the time it is judged at/);
    });

    it('judges validity at the signing time, not now', () => {
      const { oldLeaf, oldRoot } = pki();
      const atSigning = validateChain(oldLeaf.cert, [], [oldRoot.cert], new Date('2020-01-01T12:00:00Z'));
      expect(atSigning).to.deep.equal({
        trusted: true,
        // openssl ca encodes CN before O, so the RFC 4514 order (last RDN first) puts O first.
        path: ['O=Paraaf Test, CN=Old Signer', 'O=Paraaf Test, CN=Old Root'],
        validAtSigningTime: true,
        reason: null,
      });
      const now = validateChain(oldLeaf.cert, [], [oldRoot.cert], new Date());
      expect(now).to.include({ trusted: true, validAtSigningTime: false });
      expect(now.reason).to.match(/^certificate expired on /);
    });
  });

  describe('describeCertificate', () => {
    it('reads name, organisation, title and the e-mail of the subjectAltName', () => {
      const { ec384, intermediate } = pki();
      const report = describeCertificate(ec384.cert);
      expect(report).to.include({
        subject: 'CN=Chloé Vermeulen, title=Algemeen directeur, O=Gemeente Teststad, C=BE',
        commonName: 'Chloé Vermeulen',
        organisation: 'Gemeente Teststad',
        title: 'Algemeen directeur',
        email: 'signer@example.be',
        issuer: ISSUING,
        serialNumber: ec384.cert.serialNumber.toLowerCase(),
      });
      expect(report.fingerprintSha256).to.match(/^[0-9a-f]{64}$/);
      expect(report.fingerprintSha256).to.equal(ec384.cert.fingerprint256.replace(/:/g, '').toLowerCase());
      expect(report.serialNumber).to.match(/^[0-9a-f]+$/);
      expect(new Date(report.validFrom).toISOString()).to.equal(report.validFrom);
      expect(Date.parse(report.validTo)).to.be.greaterThan(Date.parse(report.validFrom));
      expect(intermediate.cert.ca).to.equal(true);
    });

    it('reads an e-mail address from the subject and fills missing fields with null', () => {
      const report = describeCertificate(pki().emailInSubject.cert);
      expect(report).to.include({
        subject: 'emailAddress=dirk@example.be, CN=Dirk, O=Gemeente Teststad',
        commonName: 'Dirk',
        email: 'dirk@example.be',
        title: null,
      });
      expect(describeCertificate(pki().oldLeaf.cert).validTo).to.equal('2020-01-02T00:00:00.000Z');
    });
  });
});
