/**
 * forTrustedIssuers: the remote revocation source follows URLs a certificate names, so it is asked only for
 * certificates issued by a trust anchor or by a CA an anchor issued; an uploaded file's own CA gets nothing fetched.
 */
import { expect } from 'chai';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { forTrustedIssuers } from '../../../src/keys/combined-revocation-source.ts';
import type { RevocationSource } from '../../../src/keys/types.ts';
import { buildEidChain } from '../../helpers/eid-card.ts';

describe('keys/forTrustedIssuers', () => {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
  const name = { given: 'Jan', surname: 'Peeters' };

  function recording(): { source: RevocationSource; asked: string[] } {
    const asked: string[] = [];
    return { asked, source: { revocationData: async (cert) => (asked.push(cert.subject), { ocsps: [Buffer.from('answer')], crls: [] }) } };
  }

  it('asks for a leaf whose CA is an anchor, or whose CA an anchor issued, and for nothing else', async () => {
    const trusted = await buildEidChain({ subjectPublicKey: key, name, ocspUrl: 'http://ocsp.trusted.test' });
    const foreign = await buildEidChain({ subjectPublicKey: key, name, ocspUrl: 'http://169.254.169.254/latest' });
    const [leaf, citizenCa, root] = trusted.chain.map((der) => new X509Certificate(der));
    const [foreignLeaf, foreignCa] = foreign.chain.map((der) => new X509Certificate(der));

    for (const anchors of [[citizenCa], [root]]) {
      const { source, asked } = recording();
      const guarded = forTrustedIssuers(source, () => anchors);
      expect(await guarded.revocationData(leaf, citizenCa)).to.deep.equal({ ocsps: [Buffer.from('answer')], crls: [] });
      expect(asked).to.have.length(1);
    }

    const { source, asked } = recording();
    const guarded = forTrustedIssuers(source, () => [root]);
    // Same names as the trusted chain, other keys: the name match alone must not count.
    expect(await guarded.revocationData(foreignLeaf, foreignCa)).to.equal(null);
    expect(asked).to.deep.equal([]);
  });
});
