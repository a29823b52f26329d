export { ENVELOPE_STATUSES, ENVELOPE_EVENTS, isEnvelopeStatus, isOpen, isFinal, canTransition, isRepeat, transition } from './envelope-state.ts';
export type { EnvelopeStatus, EnvelopeEvent } from './envelope-state.ts';
export { computeRouting, routingProblems, isDone, blocks, SIGNATURE_LEVELS } from './routing.ts';
export type { RecipientRole, RecipientStatus, SignatureLevel, RoutingRecipient, RoutingOutcome, Routing } from './routing.ts';
export { LANGUAGES, DEFAULT_LANGUAGE, isLanguage, normaliseEmail, validatePerson } from './person.ts';
export type { Language, PersonInput, ValidPerson, PersonValidation } from './person.ts';
export { DECISION_BODIES, DECISION_BODY_NAMES, isDecisionBody, decisionBodyName, defaultRouteFor, parseAgendaFileName, compareAgendaItems } from './meeting.ts';
export type { DecisionBody, ParsedAgendaFile } from './meeting.ts';
