/**
 * The progressive enhancement of the signer pages (issue 4), without a browser: the script,
 * its stylesheet and pdf.js are served from our origin through a fixed allow-list; the link page
 * carries the viewer with this signer's field placements; the CSP stays strict; the batch page's
 * script signs envelope by envelope through a JSON endpoint guarded by the form's CSRF token.
 */
import { expect } from 'chai';
import request from 'supertest';
import { PDFJS_PATHS, PDFJS_VERSION } from '../../../src/web/index.ts';
import { startE2E, type E2E } from '../e2e/harness.ts';
import { downloadDocuments } from '../../helpers/reading.ts';

const UA = 'Mozilla/5.0 (enhancement test) Firefox/140';
const AN = 'an.viewer@zonnebeke.be';
const CEES = 'cees.viewer@zonnebeke.be';
const decode = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const batchCsrf = (page: string) => {
  const at = page.indexOf('/batch/sign"');
  expect(at).to.be.greaterThan(-1);
  return /name="_csrf" value="([^"]+)"/.exec(page.slice(at))![1]!;
};

describe('signer pages: in-page viewer and batch progress (the script and its endpoints)', function () {
  this.timeout(120_000);
  let e2e: E2E;
  let anToken: string;
  const ids: string[] = [];

  before(async () => {
    e2e = await startE2E();
    for (const title of ['Besluit A', 'Besluit B', 'Besluit C']) {
      const res = await e2e.createEnvelope({
        title,
        send: true,
        recipients: [
          { name: 'An Peeters', email: AN, role: 'signer' },
          { name: 'Cees Janssens', email: CEES, role: 'signer' },
        ],
        fields: [
          { recipient: 0, document: 0, page: 1, x: 72, y: 100, width: 200, height: 60 },
          { recipient: 1, document: 0, page: 1, x: 320, y: 100, width: 200, height: 60 },
        ],
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      ids.push(res.body.id);
    }
    await e2e.deliver();
    anToken = (await e2e.theMail(ids[0]!, AN, 'signRequest')).token!;
  });
  after(async () => {
    await e2e?.close();
  });

  describe('static assets', () => {
    it('serves the script, its stylesheet, pdf.js and its worker with the right types and caching', async () => {
      const script = await request(e2e.app.url).get('/assets/signer.js');
      expect(script.status).to.equal(200);
      expect(script.headers['content-type']).to.match(/^text\/javascript/);
      expect(script.text).to.include('isEvalSupported: false');
      const css = await request(e2e.app.url).get('/assets/signer-viewer.css');
      expect(css.status).to.equal(200);
      expect(css.headers['content-type']).to.match(/^text\/css/);
      expect(PDFJS_PATHS.library).to.equal(`/assets/pdfjs/${PDFJS_VERSION}/pdf.min.mjs`);
      for (const path of [PDFJS_PATHS.library, PDFJS_PATHS.worker]) {
        const res = await request(e2e.app.url).get(path).buffer(true).parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
        expect(res.status, path).to.equal(200);
        expect(res.headers['content-type'], path).to.match(/^text\/javascript/);
        expect(res.headers['cache-control'], path).to.equal('public, max-age=31536000, immutable');
        expect(res.headers['x-content-type-options']).to.equal('nosniff');
        expect((res.body as Buffer).length).to.be.greaterThan(100_000);
      }
      const font = await request(e2e.app.url).get(`${PDFJS_PATHS.standardFonts}LiberationSans-Regular.ttf`);
      expect(font.status).to.equal(200);
      expect(font.headers['content-type']).to.match(/^font\/ttf/);
    });

    it('answers only the allow-list: other package files and traversals are 404', async () => {
      const refused = [
        `/assets/pdfjs/${PDFJS_VERSION}/pdf.mjs`,
        `/assets/pdfjs/${PDFJS_VERSION}/package.json`,
        `/assets/pdfjs/${PDFJS_VERSION}/../../../package.json`,
        `/assets/pdfjs/${PDFJS_VERSION}/%2e%2e/%2e%2e/package.json`,
        `/assets/pdfjs/${PDFJS_VERSION}/..%2F..%2F..%2Fpackage.json`,
        `/assets/pdfjs/${PDFJS_VERSION}/standard_fonts/..%2FLICENSE`,
        '/assets/pdfjs/0.0.1/pdf.min.mjs',
        '/assets/..%2Fsigner-pages.ts',
        '/assets/static/signer.js',
      ];
      for (const path of refused) {
        const res = await request(e2e.app.url).get(path);
        expect(res.status, path).to.equal(404);
        expect(res.text, path).to.not.include('pdfjsLib').and.not.include('"version"');
      }
    });
  });

  describe('the link page', () => {
    it("carries the viewer with this signer's field placements, the module script and the strict CSP", async () => {
      const res = await e2e.openLink(anToken, UA);
      expect(res.status).to.equal(200);
      const envelope = await e2e.getEnvelope(ids[0]!);
      const documentId = envelope.documents[0]!.id as string;
      expect(res.text).to.include('<script type="module" src="/assets/signer.js"></script>');
      const viewer = new RegExp(`<div class="pdf-viewer" id="viewer-${documentId}" hidden data-pdf-url="([^"]+)" data-fields="([^"]+)" data-open="true"`).exec(res.text);
      expect(viewer, 'the viewer container').to.not.equal(null);
      // The viewer's own fetch says so (`?view`): only a download counts as reading (issue 12).
      expect(viewer![1]).to.equal(`/s/${anToken}/documents/${documentId}?view=1`);
      expect(JSON.parse(decode(viewer![2]!))).to.deep.equal([{ page: 1, x: 72, y: 100, width: 200, height: 60 }]);
      expect(res.text).to.include(`data-pdfjs="${PDFJS_PATHS.library}"`).and.include(`data-pdfjs-worker="${PDFJS_PATHS.worker}"`);
      // A compact toolbar (issue 12): symbol buttons, each named in full.
      for (const name of ['Vorige pagina', 'Volgende pagina', 'Groter', 'Kleiner']) expect(res.text).to.include(`aria-label="${name}" title="${name}"`);
      expect(res.text).to.include('data-text-page="Pagina {page} van {pages}"').and.include('Uw handtekening komt op pagina 1.');
      // The download link stays.
      expect(res.text).to.include(`href="/s/${anToken}/documents/${documentId}" download`);
      const csp = res.headers['content-security-policy'] as string;
      expect(csp).to.include("default-src 'self'").and.include("script-src 'self';").and.include("style-src 'self';");
      expect(csp).to.not.include('unsafe-inline').and.not.include('unsafe-eval').and.not.include('blob:');
      expect(res.text).to.not.match(/<script(?! type="module" src="\/assets\/signer\.js"><\/script>)|style=/);
    });

    it('speaks the chosen language in the viewer', async () => {
      const res = await request(e2e.app.url).get(`/s/${anToken}?lang=fr`).set('User-Agent', UA);
      expect(res.text).to.include('aria-label="Page précédente"').and.include('data-text-page="Page {page} sur {pages}"');
      // French sets a colon off with a space, also where the page joins a signer to their role.
      expect(res.text).to.match(/<strong>\(vous\)<\/strong> : signe – /);
      expect((await request(e2e.app.url).get(`/s/${anToken}?lang=nl`).set('User-Agent', UA)).text).to.match(/<strong>\(u\)<\/strong>: ondertekent – /);
    });
  });

  describe('batch signing, envelope by envelope', () => {
    const signOne = async (fields: Record<string, string>) => {
      // Reading before signing (issue 12): the documents downloaded first, as without the viewer.
      await downloadDocuments(e2e.app.url, `/s/${anToken}/batch`, { 'User-Agent': UA });
      return request(e2e.app.url).post(`/s/${anToken}/batch/sign-one`).set('User-Agent', UA).type('form').send(fields);
    };

    it('offers the progress hooks on the batch page, with a viewer per document behind a button', async () => {
      const page = await request(e2e.app.url).get(`/s/${anToken}/batch`).set('User-Agent', UA);
      expect(page.status).to.equal(200);
      expect(page.text).to.include('<progress id="batch-progress-bar" max="3" value="0"></progress>').and.include('aria-live="polite"');
      expect(page.text).to.include('data-text-status="{done} van {total} ondertekend"');
      expect(page.text).to.match(/class="pdf-viewer" id="viewer-[^"]+" hidden data-pdf-url="\/s\/[^"]+\/batch\/envelopes\/[^"]+\/documents\/[^"]+" data-fields="[^"]+" data-open="false"/);
    });

    it('refuses without the CSRF token, and without consent', async () => {
      const noCsrf = await signOne({ envelope: ids[1]!, consent: 'ja' });
      expect(noCsrf.status).to.equal(403);
      expect(noCsrf.body.error).to.equal('csrf_invalid');
      const csrf = batchCsrf((await request(e2e.app.url).get(`/s/${anToken}/batch`).set('User-Agent', UA)).text);
      const noConsent = await signOne({ _csrf: csrf, envelope: ids[1]! });
      expect(noConsent.status).to.equal(400);
      expect(noConsent.body.error).to.equal('consent_missing');
      expect((await e2e.getEnvelope(ids[1]!)).recipients.find((r: { email: string }) => r.email === AN)!.status).to.not.equal('signed');
    });

    it('signs one envelope per call, and the next call of the batch with its ticket', async () => {
      const csrf = batchCsrf((await request(e2e.app.url).get(`/s/${anToken}/batch`).set('User-Agent', UA)).text);
      const first = await signOne({ _csrf: csrf, envelope: ids[1]!, consent: 'ja', total: '2', lang: 'en' });
      expect(first.status, JSON.stringify(first.body)).to.equal(200);
      expect(first.headers['content-type']).to.match(/^application\/json/);
      expect(first.body).to.include({ envelopeId: ids[1], title: 'Besluit B', signed: true });
      expect(first.body.documents[0].url).to.match(new RegExp(`^/s/${anToken}/batch/envelopes/${ids[1]}/documents/`));
      expect(first.body.documents[0].label).to.match(/^Download /);
      expect(first.body.ticket).to.be.a('string');
      expect((await e2e.getEnvelope(ids[1]!)).recipients.find((r: { email: string }) => r.email === AN)!.status).to.equal('signed');
      expect((await e2e.getEnvelope(ids[2]!)).recipients.find((r: { email: string }) => r.email === AN)!.status).to.not.equal('signed');

      const forged = await signOne({ _csrf: csrf, envelope: ids[2]!, consent: 'ja', ticket: `${first.body.ticket}x` });
      expect(forged.status).to.equal(403);
      expect(forged.body.error).to.equal('ticket_invalid');

      const second = await signOne({ _csrf: csrf, envelope: ids[2]!, consent: 'ja', ticket: first.body.ticket });
      expect(second.status, JSON.stringify(second.body)).to.equal(200);
      expect(second.body.signed).to.equal(true);

      const again = await signOne({ _csrf: csrf, envelope: ids[2]!, consent: 'ja', ticket: second.body.ticket });
      expect(again.status).to.equal(200);
      expect(again.body).to.include({ signed: false, reason: 'already_signed' });
      expect(again.body.reasonText).to.equal('U had dit al ondertekend.');

      const trail = await request(e2e.app.url).get(`/api/v1/envelopes/${ids[1]}/audit`).set(e2e.auth());
      const trail2 = await request(e2e.app.url).get(`/api/v1/envelopes/${ids[2]}/audit`).set(e2e.auth());
      const batchOf = (body: unknown) => JSON.stringify(body).match(/"batchId":"([0-9a-f-]{36})","batchSize":(\d+)/)?.slice(1);
      expect([trail.status, trail2.status]).to.deep.equal([200, 200]);
      // One batch in the audit trail, of the size the page announced.
      expect(batchOf(trail.body)).to.have.length(2);
      expect(batchOf(trail.body)).to.deep.equal(batchOf(trail2.body)).and.to.deep.equal([batchOf(trail.body)![0], '2']);
    });
  });
});
