/** The API shape of an envelope (DESIGN §7): what get/list answer and every state-changing use case returns. */
import { currentRevisions, documentsOfEnvelopes, type RevisionKind } from '../store/document-repository.ts';
import { envelopeById, type Envelope } from '../store/envelope-repository.ts';
import { fieldsOf, recipientsOfEnvelopes, type Field, type Recipient } from '../store/recipient-repository.ts';
import type { Db } from '../store/sql.ts';
import { AppError } from '../errors.ts';

export interface DocumentDto {
  id: string;
  name: string;
  position: number;
  pageCount: number | null;
  currentRevision: { seq: number; sha256: string; size: number; kind: RevisionKind; createdAt: string } | null;
}

/** A signature field as the API shows it: where on which document, without its own ids. */
export type FieldDto = Omit<Field, 'id' | 'recipientId'>;

/** A recipient as the API shows it: the stored row without its owner ids, with its fields. */
/** What the mails say of a recipient (`inPlaceOf`, `correctedSinceActed`) stays out of the API: `capacity` and the audit trail tell it. */
export type RecipientDto = Omit<Recipient, 'envelopeId' | 'organisationId' | 'createdAt' | 'inPlaceOf' | 'correctedSinceActed'> & { fields: FieldDto[] };

/** An envelope as the API shows it: the stored row with its creator as one object, documents and recipients. */
export type EnvelopeDto = Omit<Envelope, 'createdByKind' | 'createdById'> & {
  createdBy: { kind: Envelope['createdByKind']; id: string };
  documents: DocumentDto[];
  recipients: RecipientDto[];
};

export function envelopeNotFound(): AppError {
  return new AppError('envelope_not_found', 404, 'There is no such envelope.');
}

/** DTOs for envelopes of one organisation, in the order given; three queries whatever the count. */
export async function toEnvelopeDtos(db: Db, organisationId: string, envelopes: readonly Envelope[]): Promise<EnvelopeDto[]> {
  const ids = envelopes.map((e) => e.id);
  const documents = await documentsOfEnvelopes(db, organisationId, ids);
  const revisions = await currentRevisions(db, documents.map((d) => d.id));
  const recipients = await recipientsOfEnvelopes(db, organisationId, ids);
  const fields = await fieldsOf(db, recipients.map((r) => r.id));
  return envelopes.map((envelope) => ({
    id: envelope.id,
    organisationId: envelope.organisationId,
    title: envelope.title,
    message: envelope.message,
    status: envelope.status,
    createdBy: { kind: envelope.createdByKind, id: envelope.createdById },
    expiresAt: envelope.expiresAt,
    sentAt: envelope.sentAt,
    completedAt: envelope.completedAt,
    declinedAt: envelope.declinedAt,
    cancelledAt: envelope.cancelledAt,
    expiredAt: envelope.expiredAt,
    cancelReason: envelope.cancelReason,
    requireCode: envelope.requireCode,
    routeName: envelope.routeName,
    onBehalfOf: envelope.onBehalfOf,
    meetingId: envelope.meetingId,
    agendaItem: envelope.agendaItem,
    agendaPosition: envelope.agendaPosition,
    kind: envelope.kind,
    createdAt: envelope.createdAt,
    updatedAt: envelope.updatedAt,
    documents: documents
      .filter((d) => d.envelopeId === envelope.id)
      .map((d) => {
        const revision = revisions.get(d.id);
        return {
          id: d.id,
          name: d.name,
          position: d.position,
          pageCount: d.pageCount,
          currentRevision: revision ? { seq: revision.seq, sha256: revision.blobSha256, size: revision.size, kind: revision.kind, createdAt: revision.createdAt } : null,
        };
      }),
    recipients: recipients
      .filter((r) => r.envelopeId === envelope.id)
      .map((r) => ({
        id: r.id,
        personId: r.personId,
        name: r.name,
        email: r.email,
        function: r.function,
        language: r.language,
        role: r.role,
        signatureLevel: r.signatureLevel,
        routingOrder: r.routingOrder,
        position: r.position,
        status: r.status,
        sentAt: r.sentAt,
        openedAt: r.openedAt,
        completedAt: r.completedAt,
        declinedAt: r.declinedAt,
        declineReason: r.declineReason,
        functionId: r.functionId,
        capacity: r.capacity,
        delegationId: r.delegationId,
        actingStatement: r.actingStatement,
        fields: fields
          .filter((f) => f.recipientId === r.id)
          .map((f) => ({ documentId: f.documentId, page: f.page, x: f.x, y: f.y, width: f.width, height: f.height, fieldName: f.fieldName })),
      })),
  }));
}

export async function loadEnvelopeDto(db: Db, organisationId: string, envelopeId: string): Promise<EnvelopeDto> {
  const envelope = await envelopeById(db, organisationId, envelopeId);
  if (!envelope) throw envelopeNotFound();
  const [dto] = await toEnvelopeDtos(db, organisationId, [envelope]);
  return dto;
}
