/**
 * What a visible signature and its certificate say about the capacity a recipient signs in (issue 12): a delegate
 * writes "Bij opdracht van de algemeen directeur," above name and function, a substitute signs as "wnd. …"; long
 * legal text wraps inside the block instead of being cut.
 */
import { expect } from 'chai';
import { CERTIFICATE_TITLE_MAX_LENGTH, signerBlockLabel, signerTitle } from '../../../src/domain/signature-page.ts';
import { delegationStatement, signingFunction, substituteFunction } from '../../../src/domain/mandates.ts';
import { appearanceLines, formatBrusselsTime } from '../../../src/pades/appearance-text.ts';
import { layoutAppearance, signatureAppearance } from '../../../src/pdf/index.ts';

const AT = new Date('2026-12-03T19:45:00Z');
/** The signature page's block (src/pdf/prepare.ts). */
const BLOCK = { width: 210, height: 70 };

describe('signature appearance of a delegate or substitute (issue 12)', () => {
  it('a delegate: the statement with its comma above the name, then the own function, the kind of signature and the time', () => {
    const lines = appearanceLines({ name: 'Els Declercq', function: 'Diensthoofd secretariaat', actingStatement: 'Bij opdracht van de algemeen directeur' }, AT, 'nl');
    expect(lines.map((l) => l.text)).to.deep.equal([
      'Bij opdracht van de algemeen directeur,',
      'Els Declercq',
      'Diensthoofd secretariaat',
      'Digitaal ondertekend',
      `${formatBrusselsTime(AT, 'nl')} (Brusselse tijd)`,
    ]);
    expect(lines[1]!.face).to.equal('bold');
  });

  it('keeps the Dutch statement in an English or French block, the other words in that language; no double comma', () => {
    const en = appearanceLines({ name: 'Els Declercq', actingStatement: 'Bij opdracht van de algemeen directeur,' }, AT, 'en');
    expect(en.map((l) => l.text)).to.deep.equal(['Bij opdracht van de algemeen directeur,', 'Els Declercq', 'Digitally signed', `${formatBrusselsTime(AT, 'en')} (Brussels time)`]);
    const fr = appearanceLines({ name: 'Els Declercq', actingStatement: 'Bij opdracht van de burgemeester', qualified: true }, AT, 'fr');
    expect(fr[0]!.text).to.equal('Bij opdracht van de burgemeester,');
    expect(fr[2]!.text).to.equal('Signature électronique qualifiée');
  });

  it('a substitute or holder: no statement line, the function as stored', () => {
    const lines = appearanceLines({ name: 'Koen Vermeulen', function: substituteFunction('Algemeen directeur') }, AT, 'nl');
    expect(lines.map((l) => l.text).slice(0, 3)).to.deep.equal(['Koen Vermeulen', 'wnd. algemeen directeur', 'Digitaal ondertekend']);
    expect(appearanceLines({ name: 'An Peeters', actingStatement: '  ' }, AT, 'nl')[0]!.text).to.equal('An Peeters');
  });

  it('fits the five lines of a delegate in the signature page block on one row each, at a readable size', () => {
    const lines = appearanceLines({ name: 'Els Declercq', function: 'Diensthoofd secretariaat', actingStatement: delegationStatement('Algemeen directeur') }, AT, 'nl');
    const layout = layoutAppearance(BLOCK.width, BLOCK.height, lines);
    expect(layout.rows.map((r) => r.text)).to.deep.equal(lines.map((l) => l.text));
    expect(layout.size).to.be.at.least(8);
  });

  it('wraps a long statement and function over rows, whole words, rather than cutting them with an ellipsis', () => {
    const statement = delegationStatement('Voorzitter van het bijzonder comité voor de sociale dienst');
    const fn = 'Diensthoofd burgerzaken, vrije tijd en lokale economie';
    const lines = appearanceLines({ name: 'Els Declercq', function: fn, actingStatement: statement }, AT, 'nl');
    const layout = layoutAppearance(BLOCK.width, BLOCK.height, lines);
    const texts = layout.rows.map((r) => r.text);
    expect(texts.join(' ')).to.not.include('…');
    expect(layout.rows.length).to.be.greaterThan(lines.length);
    expect(texts.indexOf('Els Declercq')).to.be.greaterThan(0);
    const name = texts.indexOf('Els Declercq');
    expect(texts.slice(0, name).join(' ')).to.equal(`${statement},`);
    expect(texts.slice(name + 1, texts.indexOf('Digitaal ondertekend')).join(' ')).to.equal(fn);
    expect(layout.rows.length * layout.size * 1.25).to.be.at.most(BLOCK.height);
    expect(layout.size).to.be.at.least(5);
  });

  it('draws every row into the appearance stream', () => {
    const statement = delegationStatement('Voorzitter van het bijzonder comité voor de sociale dienst');
    const lines = appearanceLines({ name: 'Els Declercq', actingStatement: statement }, AT, 'nl');
    const stream = signatureAppearance({ ...BLOCK, lines });
    const drawn = [...stream.raw.toString('latin1').matchAll(/<([0-9a-f]+)> Tj/g)].map((m) => Buffer.from(m[1]!, 'hex').toString('latin1'));
    expect(drawn.join(' ')).to.include('Bij opdracht van de voorzitter van het bijzonder').and.include('Els Declercq');
    expect(drawn.length).to.equal(layoutAppearance(BLOCK.width, BLOCK.height, lines).rows.length);
  });

  it('lines without wrapping still shrink to the block and, at the smallest size, are cut as before', () => {
    const layout = layoutAppearance(60, 20, [{ text: 'A very long name that cannot possibly fit in sixty points', face: 'bold' }, { text: 'x' }]);
    expect(layout.rows).to.have.length(2);
    expect(layout.rows[0]!.text.endsWith('…')).to.equal(true);
  });
});

describe('certificate title and signature page label of a delegate or substitute (issue 12)', () => {
  it('the title is the function; a delegate adds the delegation after their own function, as signingFunction words it', () => {
    const statement = delegationStatement('Algemeen directeur');
    expect(signerTitle({ function: 'Diensthoofd secretariaat', actingStatement: statement })).to.equal('Diensthoofd secretariaat, bij opdracht van de algemeen directeur');
    expect(signerTitle({ function: 'Diensthoofd secretariaat', actingStatement: statement })).to.equal(signingFunction('delegate', 'Algemeen directeur', 'Diensthoofd secretariaat'));
    expect(signerTitle({ function: null, actingStatement: statement })).to.equal(signingFunction('delegate', 'Algemeen directeur', null));
    expect(signerTitle({ function: substituteFunction('Algemeen directeur'), actingStatement: null })).to.equal('wnd. algemeen directeur');
    expect(signerTitle({ function: 'Algemeen directeur', actingStatement: null })).to.equal('Algemeen directeur');
    expect(signerTitle({ function: null, actingStatement: null })).to.equal(null);
  });

  it('the title stays within X.520’s 64 characters: the delegation alone when the own function makes it longer, else cut after a word', () => {
    const statement = delegationStatement('Algemeen directeur');
    // 64 characters exactly: kept whole.
    expect(signerTitle({ function: 'Diensthoofd secretariaat', actingStatement: statement })).to.have.length(CERTIFICATE_TITLE_MAX_LENGTH);
    expect(signerTitle({ function: 'Diensthoofd burgerzaken en bevolking', actingStatement: statement })).to.equal('Bij opdracht van de algemeen directeur');
    const long = 'Algemeen directeur van het Openbaar Centrum voor Maatschappelijk Welzijn van de stad Kortrijk';
    expect(signerTitle({ function: long, actingStatement: null })).to.equal('Algemeen directeur van het Openbaar Centrum voor…');
    const longDelegation = delegationStatement(long);
    const title = signerTitle({ function: 'Diensthoofd secretariaat', actingStatement: longDelegation })!;
    expect(title).to.equal('Diensthoofd secretariaat, bij opdracht van de algemeen…');
    expect(title.length).to.be.at.most(CERTIFICATE_TITLE_MAX_LENGTH);
    expect(signerTitle({ function: 'X'.repeat(100), actingStatement: null })).to.equal(`${'X'.repeat(63)}…`);
  });

  it('the block label names the role: "De wnd. algemeen directeur", a delegate\'s statement, else the name', () => {
    expect(signerBlockLabel({ name: 'An Peeters', function: 'Algemeen directeur', actingStatement: null })).to.equal('De algemeen directeur');
    expect(signerBlockLabel({ name: 'Koen Vermeulen', function: 'wnd. algemeen directeur', actingStatement: null })).to.equal('De wnd. algemeen directeur');
    expect(signerBlockLabel({ name: 'Els Declercq', function: 'Diensthoofd secretariaat', actingStatement: 'Bij opdracht van de algemeen directeur' })).to.equal('Bij opdracht van de algemeen directeur');
    expect(signerBlockLabel({ name: 'Els Declercq', function: null, actingStatement: null })).to.equal('Els Declercq');
  });
});
