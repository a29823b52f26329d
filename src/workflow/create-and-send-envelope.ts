/**
 * `POST /envelopes` with `send: true`: creating and sending in one transaction, so the
 * envelope exists sent or not at all — a send that fails leaves no draft behind for a
 * retried request to duplicate.
 */
import { createEnvelope, type CreateEnvelopeOptions } from './create-envelope.ts';
import type { WorkflowDeps } from './deps.ts';
import type { EnvelopeDto } from './envelope-dto.ts';
import { sendEnvelope } from './send-envelope.ts';
import { inTransaction } from './transaction.ts';

export async function createAndSendEnvelope(deps: WorkflowDeps, options: CreateEnvelopeOptions): Promise<EnvelopeDto> {
  return inTransaction(deps, 'createAndSendEnvelope', async (trx) => {
    // The use cases join this transaction (withTransaction reuses a transaction it is given).
    const joined: WorkflowDeps = { ...deps, db: trx };
    const created = await createEnvelope(joined, options);
    return sendEnvelope(joined, { organisationId: options.organisationId, actor: options.actor, origin: options.origin, envelopeId: created.id });
  });
}
