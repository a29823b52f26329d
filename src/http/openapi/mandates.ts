/**
 * The API document's part on functions, mandates, absences and delegations (issue 12): their paths and schemas,
 * merged into the document by index.ts.
 */
import { DECISION_BODIES } from '../../domain/meeting.ts';
import { DELEGATION_SCOPES, MANDATE_KINDS } from '../../domain/mandates.ts';
import { nullableString, nullableTimestamp, object, ref, string, timestamp, uuid } from './schemas.ts';
import type { JsonSchema, Operation, Parameter, PathItem, Reference, Response } from './types.ts';

const day = (description?: string): JsonSchema => string(description, { format: 'date' });
const nullableDay = (description?: string): JsonSchema => nullableString(description, { format: 'date' });
const list = (name: string, items: string, description: string): JsonSchema => object({ [name]: { type: 'array', items: ref(items), description } });
const body = { type: ['string', 'null'], enum: [...DECISION_BODIES, null], description: 'The decision body the function belongs to, if any (the chair of the council: `gemeenteraad`).' } satisfies JsonSchema;
const createdBy = { createdByKind: { type: 'string', enum: ['api_key', 'user'] }, createdById: string() } satisfies Record<string, JsonSchema>;

const mandateProperties: Record<string, JsonSchema> = {
  id: uuid(),
  kind: { type: 'string', enum: MANDATE_KINDS, description: '`holder` holds the function; a `substitute` signs when the holder is absent.' },
  rank: { type: 'integer', minimum: 1, description: 'Orders substitutes: 1 is asked first.' },
  startsOn: day('First day (Europe/Brussels).'),
  endsOn: nullableDay('Last day, inclusive; null: open-ended.'),
  source: { type: 'string', enum: ['manual', 'import'], description: '`import`: from the Flemish mandate database.' },
  externalId: nullableString('Its id in the mandate database, for an imported mandate.'),
  createdAt: timestamp(),
  updatedAt: timestamp(),
};

const absenceProperties: Record<string, JsonSchema> = {
  id: uuid(),
  startsOn: day(),
  endsOn: day('Inclusive.'),
  reason: nullableString(),
  withdrawn: { type: 'boolean' },
  ...createdBy,
  createdAt: timestamp(),
  withdrawnAt: nullableTimestamp(),
};

const delegationProperties: Record<string, JsonSchema> = {
  id: uuid(),
  scope: { type: 'array', items: { type: 'string', enum: DELEGATION_SCOPES }, description: 'The kinds of document it covers; never the minutes.' },
  validFrom: day(),
  validUntil: nullableDay('Inclusive; null: until revoked.'),
  reference: nullableString('E.g. the decision that granted it.'),
  revoked: { type: 'boolean' },
  ...createdBy,
  createdAt: timestamp(),
  revokedAt: nullableTimestamp(),
  revokedById: nullableString(),
};

const functionProperties: Record<string, JsonSchema> = {
  id: uuid(),
  name: string('As the town hall writes it, e.g. "Algemeen directeur".'),
  body,
  delegable: { type: 'boolean', description: 'Whether its signing may be delegated (the mayor and the general director, Decreet Lokaal Bestuur art. 280 and 283).' },
  createdAt: timestamp(),
};

export const mandateSchemas: Record<string, JsonSchema> = {
  Function: object({ ...functionProperties, organisationId: uuid() }),
  FunctionInput: object(
    {
      name: string(undefined, { minLength: 1, maxLength: 200 }),
      body,
      delegable: { type: 'boolean', description: 'Default: true for "Burgemeester" and "Algemeen directeur", else false.' },
    },
    undefined,
    ['body', 'delegable'],
  ),
  Mandate: object({ ...mandateProperties, organisationId: uuid(), functionId: uuid(), personId: uuid() }),
  MandateInput: object(
    {
      personId: uuid('A person of the organisation directory.'),
      kind: mandateProperties.kind,
      rank: { type: 'integer', minimum: 1, maximum: 99, default: 1, description: 'Orders substitutes: 1 is asked first.' },
      startsOn: day('YYYY-MM-DD.'),
      endsOn: nullableDay('YYYY-MM-DD, inclusive; absent or null: open-ended. Not before `startsOn`.'),
    },
    undefined,
    ['rank', 'endsOn'],
  ),
  MandateEndInput: object({ endsOn: day('The last day, inclusive; not before the mandate\'s first.') }),
  Absence: object({ ...absenceProperties, organisationId: uuid(), personId: uuid() }),
  RecordedAbsence: object(
    {
      ...absenceProperties,
      organisationId: uuid(),
      personId: uuid(),
      reassigned: object(
        {
          handedOver: {
            type: 'array',
            description: 'Each function step waiting for the person on those days (the meeting\'s date, else today) that now goes to whoever signs instead; signatures already given are untouched.',
            items: object({
              envelopeId: uuid(),
              title: string('The dossier\'s title.'),
              recipientId: uuid(),
              day: day('The day the step was resolved for.'),
              to: object({ personId: uuid(), name: string('Who signs now.'), function: nullableString('"wnd. algemeen directeur" for a substitute.'), capacity: { type: 'string', enum: ['holder', 'substitute', 'delegate'] } }),
              mailed: { type: 'boolean', description: 'True when it was the step\'s turn: the new signer was mailed now (a meeting: one mail per signer).' },
            }),
          },
          notHandedOver: {
            type: 'array',
            description: 'Steps that stay with the absent person, with the reason (`function_everyone_absent`, …).',
            items: object({ envelopeId: uuid(), title: string('The dossier\'s title (empty when unknown).'), code: string('A problem code.'), detail: string('Why.') }),
          },
          byPerson: {
            type: 'array',
            description: 'How many dossiers went to whom.',
            items: object({ personId: uuid(), name: string('Who signs now.'), function: nullableString('Their function on those dossiers.'), dossiers: { type: 'integer', minimum: 1 } }),
          },
        },
        'The dossiers handed over because of this absence. Withdrawing the absence does not hand them back.',
      ),
    },
    'The absence as recorded, and what it handed over.',
  ),
  AbsenceInput: object(
    { personId: uuid(), startsOn: day('YYYY-MM-DD.'), endsOn: day('YYYY-MM-DD, inclusive; not before `startsOn`.'), reason: nullableString(undefined, { maxLength: 500 }) },
    undefined,
    ['reason'],
  ),
  AbsenceList: list('absences', 'Absence', 'By first day.'),
  Delegation: object({ ...delegationProperties, organisationId: uuid(), functionId: uuid(), delegatorPersonId: uuid('Who held the function on `validFrom`.'), delegatePersonId: uuid() }),
  DelegationInput: object(
    {
      functionId: uuid('A delegable function of the organisation.'),
      delegatePersonId: uuid('A person of the organisation directory, not the holder.'),
      scope: {
        type: 'array',
        minItems: 1,
        maxItems: 3,
        items: { type: 'string', enum: [...DELEGATION_SCOPES, 'minutes'] },
        description: '`decision` and/or `other`. `minutes` is refused with 422 `delegation_minutes_refused`.',
      },
      validFrom: day('YYYY-MM-DD.'),
      validUntil: nullableDay('YYYY-MM-DD, inclusive; absent or null: until revoked.'),
      reference: nullableString(undefined, { maxLength: 500 }),
    },
    undefined,
    ['validUntil', 'reference'],
  ),
  DelegationList: list('delegations', 'Delegation', 'By first day.'),
  DirectoryPerson: object({ id: uuid(), name: string(), email: string(), function: nullableString('Their own function in the directory.'), active: { type: 'boolean' } }),
  DirectoryMandate: object({ ...mandateProperties, person: ref('DirectoryPerson'), current: { type: 'boolean', description: 'Whether it covers the day asked for.' } }),
  DirectoryAbsence: object({ ...absenceProperties, person: ref('DirectoryPerson') }),
  DirectoryDelegation: object({
    ...delegationProperties,
    delegator: ref('DirectoryPerson'),
    delegate: ref('DirectoryPerson'),
    current: { type: 'boolean', description: 'Whether it covers the day asked for (it may start later).' },
  }),
  FunctionOverview: object({
    ...functionProperties,
    holder: { oneOf: [ref('DirectoryMandate'), { type: 'null' }], description: 'The holder\'s mandate that day; null when nobody holds it.' },
    substitutes: { type: 'array', items: ref('DirectoryMandate'), description: 'Substitutes that day, by rank.' },
    signer: {
      oneOf: [object({ person: ref('DirectoryPerson'), capacity: { type: 'string', enum: ['holder', 'substitute'] } }), { type: 'null' }],
      description: 'Who signs that day when no delegation is chosen; null when nobody holds it or everyone is absent.',
    },
    mandates: { type: 'array', items: ref('DirectoryMandate'), description: 'Every mandate, past and coming: holders first, substitutes by rank.' },
    absences: { type: 'array', items: ref('DirectoryAbsence'), description: 'Absences of its holders and substitutes not over that day.' },
    delegations: { type: 'array', items: ref('DirectoryDelegation'), description: 'Delegations not revoked and not expired that day.' },
  }),
  FunctionDirectory: object({ day: day(), functions: { type: 'array', items: ref('FunctionOverview'), description: 'By name.' } }),
};

const problem = (description: string): Response => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const common = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '500': { $ref: '#/components/responses/InternalError' },
} satisfies Record<string, Reference>;
const badRequest = { '400': { $ref: '#/components/responses/BadRequest' } } satisfies Record<string, Reference>;
const idempotency: Reference = { $ref: '#/components/parameters/IdempotencyKey' };
const json = (schema: string) => ({ 'application/json': { schema: ref(schema) } });
const answer = (description: string, schema: string): Response => ({ description, content: json(schema) });
const idParameter = (description: string): Parameter => ({ name: 'id', in: 'path', required: true, description, schema: { type: 'string', format: 'uuid' } });
const query = (name: string, description: string, schema: JsonSchema): Parameter => ({ name, in: 'query', description, schema });

function change(operationId: string, summary: string, description: string, responses: Operation['responses'], input?: string): Operation {
  return {
    operationId,
    summary,
    description,
    tags: ['Mandates'],
    parameters: [idempotency],
    ...(input ? { requestBody: { required: true, content: json(input) } } : {}),
    responses: {
      '409': problem('A request with this Idempotency-Key is still running (`idempotency_request_in_progress`).'),
      '422': problem('The Idempotency-Key was used for another request (`idempotency_key_reused`).'),
      ...responses,
      ...badRequest,
      ...common,
    },
  };
}

export const mandatePaths: Record<string, PathItem> = {
  '/functions': {
    get: {
      operationId: 'listFunctions',
      summary: 'List the functions with who holds them on a day',
      description: 'Per function: the holder that day, the substitutes, who signs that day without a delegation, every mandate, the absences not over and the delegations not revoked or expired.',
      tags: ['Mandates'],
      parameters: [query('day', 'The day, YYYY-MM-DD; default today in Europe/Brussels.', { type: 'string', format: 'date' })],
      responses: { '200': answer('The functions by name.', 'FunctionDirectory'), ...badRequest, ...common },
    },
    post: change(
      'createFunction',
      'Add a function',
      'A function a signing-route step can name ("Algemeen directeur", "Voorzitter gemeenteraad"), unique but for case, accents and spacing. Recorded as `function.created` on the organisation\'s audit chain.',
      { '201': answer('The function.', 'Function'), '409': problem('The organisation has this function already (`function_exists`), or a request with this Idempotency-Key is still running.') },
      'FunctionInput',
    ),
  },
  '/functions/{id}/mandates': {
    parameters: [idParameter('Function id.')],
    post: change(
      'addMandate',
      'Add a holder or substitute of a function',
      'From `startsOn`, until `endsOn` if given. On days two holders cover, the mandate that started last holds. 404 `function_not_found` or `person_not_found` for ids not of this organisation; 422 `person_inactive`. Recorded as `mandate.added`.',
      { '201': answer('The mandate.', 'Mandate'), '404': problem('`function_not_found` or `person_not_found`.'), '422': problem('`person_inactive`, or the Idempotency-Key was used for another request (`idempotency_key_reused`).') },
      'MandateInput',
    ),
  },
  '/mandates/{id}/end': {
    parameters: [idParameter('Mandate id.')],
    post: change(
      'endMandate',
      'End a mandate',
      'Sets its last day (inclusive). Recorded as `mandate.ended` with the previous last day.',
      { '200': answer('The mandate.', 'Mandate'), '404': problem('`mandate_not_found`.') },
      'MandateEndInput',
    ),
  },
  '/absences': {
    get: {
      operationId: 'listAbsences',
      summary: 'List absences',
      description: 'Those not over on `from`, withdrawn ones included (marked).',
      tags: ['Mandates'],
      parameters: [query('personId', 'Only this person\'s (404 `person_not_found` when not of this organisation).', { type: 'string', format: 'uuid' }), query('from', 'YYYY-MM-DD; default today in Europe/Brussels.', { type: 'string', format: 'date' })],
      responses: { '200': answer('The absences.', 'AbsenceList'), '404': problem('`person_not_found`.'), ...badRequest, ...common },
    },
    post: change(
      'recordAbsence',
      'Mark a person absent',
      'From `startsOn` to `endsOn` inclusive, a function step of which they are the holder goes to the first present substitute ("wnd."). Recorded as `absence.recorded`. Open dossiers already waiting for them on those days are handed over at once (`recipient.reassigned` on each, the new signer mailed when it is their turn); withdrawing the absence does not hand them back.',
      { '201': answer('The absence, and the dossiers it handed over.', 'RecordedAbsence'), '404': problem('`person_not_found`.'), '422': problem('`person_inactive`, or the Idempotency-Key was used for another request (`idempotency_key_reused`).') },
      'AbsenceInput',
    ),
  },
  '/absences/{id}/withdraw': {
    parameters: [idParameter('Absence id.')],
    post: change(
      'withdrawAbsence',
      'Withdraw an absence',
      'The person signs again on those days. Recorded as `absence.withdrawn`; withdrawing a withdrawn absence answers it as it is.',
      { '200': answer('The absence.', 'Absence'), '404': problem('`absence_not_found`.') },
    ),
  },
  '/delegations': {
    get: {
      operationId: 'listDelegations',
      summary: 'The delegation register',
      tags: ['Mandates'],
      parameters: [
        query('functionId', 'Only this function\'s (404 `function_not_found` when not of this organisation).', { type: 'string', format: 'uuid' }),
        query('delegatePersonId', 'Only to this person (404 `person_not_found` when not of this organisation).', { type: 'string', format: 'uuid' }),
        query('includeRevoked', 'Also the revoked ones: the whole history.', { type: 'string', enum: ['true', 'false'], default: 'false' }),
      ],
      responses: { '200': answer('The delegations.', 'DelegationList'), '404': problem('`function_not_found` or `person_not_found`.'), ...badRequest, ...common },
    },
    post: change(
      'registerDelegation',
      'Register a delegation',
      'The holder of the function on `validFrom` delegates its signing of the kinds in `scope` to the delegate. It is used only when chosen for a recipient (`delegationId`); the delegate then states "Bij opdracht van de <function>" above signature, name and function. Refused: minutes (422 `delegation_minutes_refused`), a function not delegable (422 `function_not_delegable`), to the holder themselves (422 `delegation_to_self`), nobody holding the function that day (409 `function_vacant`). Recorded as `delegation.registered`.',
      {
        '201': answer('The delegation.', 'Delegation'),
        '404': problem('`function_not_found` or `person_not_found`.'),
        '409': problem('Nobody holds the function on `validFrom` (`function_vacant`), or a request with this Idempotency-Key is still running.'),
        '422': problem('`delegation_minutes_refused`, `function_not_delegable`, `delegation_to_self`, `person_inactive`, or the Idempotency-Key was used for another request (`idempotency_key_reused`).'),
      },
      'DelegationInput',
    ),
  },
  '/delegations/{id}/revoke': {
    parameters: [idParameter('Delegation id.')],
    post: change(
      'revokeDelegation',
      'Revoke a delegation',
      'From now on it cannot be chosen (422 `delegation_not_valid`); what was signed with it stays. Recorded as `delegation.revoked`; revoking a revoked delegation answers it as it is.',
      { '200': answer('The delegation.', 'Delegation'), '404': problem('`delegation_not_found`.') },
    ),
  },
};
