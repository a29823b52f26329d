import { expect } from 'chai';
import { compareAgendaItems, decisionBodyName, defaultRouteFor, parseAgendaFileName } from '../../../src/domain/meeting.ts';

describe('domain/meeting', () => {
  it('takes the agenda number and title from the usual file names', () => {
    expect(parseAgendaFileName('03 Goedkeuring notulen.pdf')).to.deep.equal({ agendaItem: '3', title: 'Goedkeuring notulen', minutes: false });
    expect(parseAgendaFileName('punt 3 - Subsidie jeugd.pdf')).to.deep.equal({ agendaItem: '3', title: 'Subsidie jeugd', minutes: false });
    expect(parseAgendaFileName('agendapunt 12.1_Budget 2027.PDF')).to.deep.equal({ agendaItem: '12.1', title: 'Budget 2027', minutes: false });
    expect(parseAgendaFileName('10a. Reglement.pdf')).to.include({ agendaItem: '10a', title: 'Reglement' });
    expect(parseAgendaFileName('Notulen zitting 12 januari.pdf')).to.deep.equal({ agendaItem: null, title: 'Notulen zitting 12 januari', minutes: true });
  });

  it('orders agenda items by their numbers, items without a number last', () => {
    const items = ['10', '2', '10.1', '1', null, '10a'].map((agendaItem) => ({ agendaItem, title: agendaItem ?? 'Notulen' }));
    expect(items.sort(compareAgendaItems).map((i) => i.agendaItem)).to.deep.equal(['1', '2', '10', '10.1', '10a', null]);
  });

  it("finds the route named after the body, or after the body's first word", () => {
    const routes = [{ name: 'College' }, { name: 'Gemeenteraad' }];
    expect(defaultRouteFor(routes, decisionBodyName('gemeenteraad', null))?.name).to.equal('Gemeenteraad');
    expect(defaultRouteFor(routes, decisionBodyName('college', null))?.name).to.equal('College');
    expect(defaultRouteFor(routes, decisionBodyName('vast_bureau', null))).to.equal(undefined);
    expect(decisionBodyName('other', 'Bestuurscomité')).to.equal('Bestuurscomité');
  });
});
