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
