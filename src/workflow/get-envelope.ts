/** One envelope of an organisation as the API shows it. */
import type { WorkflowDeps } from './deps.ts';
import { loadEnvelopeDto, type EnvelopeDto } from './envelope-dto.ts';

export interface GetEnvelopeOptions {
  organisationId: string;
  envelopeId: string;
}

export async function getEnvelope(deps: Pick<WorkflowDeps, 'db'>, options: GetEnvelopeOptions): Promise<EnvelopeDto> {
  return loadEnvelopeDto(deps.db, options.organisationId, options.envelopeId);
}
