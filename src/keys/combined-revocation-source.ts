/**
 * Several revocation sources asked in turn, the first that knows the issuer answering: our own CAs first (answered
 * in-process, never over the network), then the remote source for everyone else's. A source that fails throws, and so
 * does the combination: a failure is not "does not know", and must not make the next source's silence look like one.
 */
import type { X509Certificate } from 'node:crypto';
import type { RevocationData, RevocationSource } from './types.ts';

export function combineRevocationSources(...sources: RevocationSource[]): RevocationSource {
  return {
    async revocationData(certificate: X509Certificate, issuer: X509Certificate): Promise<RevocationData | null> {
      for (const source of sources) {
        const data = await source.revocationData(certificate, issuer);
        if (data) return data;
      }
      return null;
    },
  };
}

/**
 * `source` asked only for certificates whose issuer is a trust anchor or issued by one (an eID leaf under its citizen
 * CA under the Belgian root a trusted list names). The URLs a remote source follows come from the certificate: without
 * this, an uploaded PDF could make the service fetch any address it names (server-side request forgery); with it,
 * only a CA the deployment trusts chooses where we go.
 */
export function forTrustedIssuers(source: RevocationSource, anchors: () => readonly X509Certificate[]): RevocationSource {
  const trusted = new Map<string, boolean>();
  const isTrusted = (issuer: X509Certificate): boolean => {
    const known = trusted.get(issuer.fingerprint256);
    if (known !== undefined) return known;
    const answer = anchors().some((anchor) => anchor.fingerprint256 === issuer.fingerprint256 || (issuer.checkIssued(anchor) && verifiesWith(issuer, anchor)));
    if (trusted.size < 1024) trusted.set(issuer.fingerprint256, answer);
    return answer;
  };
  return {
    async revocationData(certificate, issuer) {
      return isTrusted(issuer) ? source.revocationData(certificate, issuer) : null;
    },
  };
}

function verifiesWith(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false; // a key type node:crypto cannot use: not an issuer we can prove
  }
}
