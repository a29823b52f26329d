import { expect } from 'chai';
import {
  brusselsDay,
  delegationCovers,
  delegationStatement,
  functionNameKey,
  isDay,
  isDelegableByLaw,
  mayBeDelegated,
  resolveFunction,
  signingFunction,
  substituteFunction,
  type AbsenceSpan,
  type DelegationGrant,
  type MandateSpan,
} from '../../../src/domain/mandates.ts';

const mandate = (over: Partial<MandateSpan>): MandateSpan => ({ id: 'm', functionId: 'chair', personId: 'p', kind: 'holder', rank: 1, startsOn: '2025-01-01', endsOn: null, ...over });
const absence = (over: Partial<AbsenceSpan>): AbsenceSpan => ({ personId: 'p', startsOn: '2026-12-01', endsOn: '2026-12-10', withdrawn: false, ...over });

describe('mandates: who signs for a function on a day', () => {
  const mandates = [
    mandate({ id: 'm-old', personId: 'former', startsOn: '2019-01-01', endsOn: '2024-12-31' }),
    mandate({ id: 'm-holder', personId: 'holder', startsOn: '2025-01-01' }),
    mandate({ id: 'm-sub2', personId: 'second', kind: 'substitute', rank: 2 }),
    mandate({ id: 'm-sub1', personId: 'first', kind: 'substitute', rank: 1 }),
  ];

  it('gives the holder of the day, by date', () => {
    expect(resolveFunction('chair', '2024-06-01', mandates, [])).to.deep.equal({ outcome: 'holder', personId: 'former', mandateId: 'm-old' });
    expect(resolveFunction('chair', '2025-01-01', mandates, [])).to.deep.equal({ outcome: 'holder', personId: 'holder', mandateId: 'm-holder' });
  });

  it('gives the first present substitute while the holder is absent, and the holder again after', () => {
    const absences = [absence({ personId: 'holder' })];
    expect(resolveFunction('chair', '2026-12-10', mandates, absences)).to.deep.equal({ outcome: 'substitute', personId: 'first', mandateId: 'm-sub1', absentPersonId: 'holder' });
    expect(resolveFunction('chair', '2026-12-11', mandates, absences)).to.include({ outcome: 'holder', personId: 'holder' });
    const firstAway = [...absences, absence({ personId: 'first' })];
    expect(resolveFunction('chair', '2026-12-05', mandates, firstAway)).to.include({ outcome: 'substitute', personId: 'second' });
  });

  it('ignores a withdrawn absence and says when nobody can sign', () => {
    expect(resolveFunction('chair', '2026-12-05', mandates, [absence({ personId: 'holder', withdrawn: true })])).to.include({ outcome: 'holder' });
    const all = ['holder', 'first', 'second'].map((personId) => absence({ personId }));
    expect(resolveFunction('chair', '2026-12-05', mandates, all)).to.deep.equal({ outcome: 'everyone_absent', absentPersonIds: ['holder', 'first', 'second'] });
    expect(resolveFunction('mayor', '2026-12-05', mandates, [])).to.deep.equal({ outcome: 'vacant' });
  });

  it('writes the acting function and the delegation statement', () => {
    expect(substituteFunction('Algemeen directeur')).to.equal('wnd. algemeen directeur');
    expect(delegationStatement('Burgemeester')).to.equal('Bij opdracht van de burgemeester');
    expect(signingFunction('holder', 'Algemeen directeur', 'Adjunct')).to.equal('Algemeen directeur');
    expect(signingFunction('delegate', 'Algemeen directeur', 'Diensthoofd secretariaat')).to.equal('Diensthoofd secretariaat, bij opdracht van de algemeen directeur');
    expect(signingFunction('delegate', 'Algemeen directeur', null)).to.equal('Bij opdracht van de algemeen directeur');
    expect(substituteFunction('OCMW-voorzitter')).to.equal('wnd. OCMW-voorzitter');
  });

  it('never lets the minutes be delegated; a delegation covers its scope, days and until revoked', () => {
    const grant: DelegationGrant = { id: 'd', functionId: 'director', delegatorPersonId: 'a', delegatePersonId: 'b', scope: ['decision'], validFrom: '2026-12-01', validUntil: '2026-12-31', revoked: false };
    expect(mayBeDelegated('minutes')).to.equal(false);
    expect(delegationCovers(grant, '2026-12-06', 'decision')).to.equal(true);
    expect(delegationCovers(grant, '2026-12-06', 'minutes')).to.equal(false);
    expect(delegationCovers(grant, '2026-12-06', 'other')).to.equal(false);
    expect(delegationCovers(grant, '2027-01-01', 'decision')).to.equal(false);
    expect(delegationCovers({ ...grant, revoked: true }, '2026-12-06', 'decision')).to.equal(false);
  });

  it('keys names, knows the delegable functions and checks days', () => {
    expect(functionNameKey('  Algemeen  Directeur ')).to.equal(functionNameKey('algemeen directeur'));
    expect(functionNameKey('Schepen (Financiën)')).to.equal('schepen financien');
    expect(isDelegableByLaw('Burgemeester')).to.equal(true);
    expect(isDelegableByLaw('Voorzitter gemeenteraad')).to.equal(false);
    expect(isDay('2026-02-29')).to.equal(false);
    expect(isDay('2028-02-29')).to.equal(true);
    expect(brusselsDay(new Date('2026-12-06T23:30:00Z'))).to.equal('2026-12-07');
  });
});
