import { expect } from 'chai';
import { computeRouting, routingProblems, type RecipientRole, type RecipientStatus, type RoutingRecipient } from '../../../src/domain/routing.ts';

interface R extends RoutingRecipient {
  name: string;
}
const r = (name: string, role: RecipientRole, routingOrder: number, status: RecipientStatus = 'pending'): R => ({ name, role, routingOrder, status });
const names = (list: R[]) => list.map((x) => x.name);

describe('domain: routing', () => {
  it('a council decision: the chair first, then the general director; cc waits for the result', () => {
    const recipients = [r('voorzitter', 'signer', 1), r('algemeen directeur', 'signer', 2), r('archief', 'cc', 1)];
    const first = computeRouting(recipients);
    expect(first).to.deep.include({ outcome: 'waiting', activeOrder: 1 });
    expect(names(first.active)).to.deep.equal(['voorzitter']);
    expect(names(first.toNotify)).to.deep.equal(['voorzitter']);

    recipients[0].status = 'signed';
    const second = computeRouting(recipients);
    expect(second).to.deep.include({ outcome: 'waiting', activeOrder: 2 });
    expect(names(second.toNotify)).to.deep.equal(['algemeen directeur']);

    recipients[1].status = 'signed';
    expect(computeRouting(recipients)).to.deep.equal({ outcome: 'complete', activeOrder: null, active: [], toNotify: [] });
  });

  it('same order runs in parallel; the order stays active until all of them are done', () => {
    const recipients = [r('burgemeester', 'signer', 1, 'opened'), r('directeur', 'signer', 1, 'signed'), r('jurist', 'approver', 1, 'sent'), r('later', 'signer', 3)];
    const routing = computeRouting(recipients);
    expect(routing.activeOrder).to.equal(1);
    expect(names(routing.active)).to.deep.equal(['burgemeester', 'jurist']);
    expect(routing.toNotify).to.deep.equal([]);
  });

  it('orders need not be consecutive, and an approver counts as done only when approved', () => {
    const recipients = [r('jurist', 'approver', 5, 'approved'), r('directeur', 'signer', 10, 'sent')];
    expect(computeRouting(recipients)).to.deep.include({ outcome: 'waiting', activeOrder: 10 });
    expect(computeRouting([r('x', 'approver', 1, 'signed')]).outcome).to.equal('waiting');
  });

  it('cc recipients never block completion', () => {
    expect(computeRouting([r('voorzitter', 'signer', 2, 'signed'), r('archief', 'cc', 1), r('pers', 'cc', 9)]).outcome).to.equal('complete');
  });

  it('one decline ends it; a cancelled or expired signer stops it', () => {
    expect(computeRouting([r('a', 'signer', 1, 'signed'), r('b', 'signer', 2, 'declined'), r('c', 'signer', 3)]).outcome).to.equal('declined');
    expect(computeRouting([r('a', 'signer', 1, 'expired'), r('b', 'signer', 2)]).outcome).to.equal('stopped');
  });

  it('without signers or approvers there is nothing to route', () => {
    expect(computeRouting([r('archief', 'cc', 1)]).outcome).to.equal('no_signers');
    expect(computeRouting([]).outcome).to.equal('no_signers');
    expect(routingProblems([r('archief', 'cc', 1)])).to.deep.equal(['an envelope needs at least one signer or approver']);
    expect(routingProblems([r('a', 'signer', 0), r('b', 'signer', 1.5)])).to.have.length(2);
    expect(routingProblems([r('a', 'signer', 1), r('b', 'cc', 2)])).to.deep.equal([]);
  });
});
