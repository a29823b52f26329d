// Progressive enhancement of the signer pages (issue 4). Plain ES module, no build step, served
// from our own origin (CSP script-src 'self'). Without it everything still works: the documents
// download, the forms post. With it:
//  - each `.pdf-viewer` shows its PDF in the page with pdf.js (served from /assets/pdfjs/…,
//    isEvalSupported: false, no WebAssembly), page by page, with zoom and this signer's signature
//    place outlined (`data-fields`: PDF points, origin bottom-left, page 1-based);
//  - on a phone the page swipes sideways page by page, pinches and double-taps to zoom (issue 12);
//  - once the last page of a document has been shown, the viewer tells the server it was read
//    (POST <data-read-url>, issue 12): a signer may sign only what they have read, so the sign
//    button says so until every document is read (viewed to the end, or downloaded);
//  - the batch form signs envelope by envelope (POST …/batch/sign-one) and shows progress.
// Every word shown comes from the page (data-text-* attributes), in the page's language.

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
const MAX_CANVAS_PIXELS = 16_000_000;
const MIN_SCALE = 0.25;
const MAX_SCALE = 5;
/** A swipe: this far sideways (CSS px), clearly more sideways than up or down. */
const SWIPE_PX = 50;
const DOUBLE_TAP_MS = 350;

function loadStylesheet(href) {
  if (!href || document.querySelector(`link[rel="stylesheet"][href="${href}"]`)) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  document.head.append(link);
}

let pdfjsLoaded;
function pdfjs(container) {
  pdfjsLoaded ??= import(container.dataset.pdfjs).then((lib) => {
    lib.GlobalWorkerOptions.workerSrc = container.dataset.pdfjsWorker;
    return lib;
  });
  return pdfjsLoaded;
}

class Viewer {
  constructor(container) {
    this.container = container;
    this.toggle = container.querySelector('.viewer-toggle');
    this.body = container.querySelector('.viewer-body');
    this.toolbar = container.querySelector('.viewer-toolbar');
    this.indicator = container.querySelector('.viewer-page');
    this.shortIndicator = container.querySelector('.viewer-page-short');
    this.message = container.querySelector('.viewer-message');
    this.box = container.querySelector('.viewer-canvas');
    this.canvas = container.querySelector('canvas');
    this.buttons = Object.fromEntries([...container.querySelectorAll('[data-action]')].map((b) => [b.dataset.action, b]));
    this.toSignature = container.querySelector('.viewer-to-signature');
    let fields = [];
    try {
      fields = JSON.parse(container.dataset.fields || '[]');
    } catch {
      fields = [];
    }
    this.fields = Array.isArray(fields) ? fields : [];
    this.doc = null;
    /** A page asked for while the document loaded (goTo), shown once it has. */
    this.pending = null;
    this.pageNumber = 1;
    this.fit = true;
    this.scale = 1;
    this.task = null;
    /** Counts render() calls: only the newest may draw (resize and navigation can overlap). */
    this.generation = 0;
    this.lastWidth = 0;

    this.toggle.addEventListener('click', () => this.setOpen(this.toggle.getAttribute('aria-expanded') !== 'true'));
    for (const [action, button] of Object.entries(this.buttons)) {
      button.addEventListener('click', () => {
        if (button.getAttribute('aria-disabled') !== 'true') this.act(action);
      });
    }
    this.toSignature?.addEventListener('click', () => this.goTo(Number(this.toSignature.dataset.page), true));
    this.readNote = container.querySelector('.viewer-read');
    this.read = container.dataset.read === 'true';
    this.touch();
    this.box.addEventListener('keydown', (event) => {
      const action = { '+': 'zoom-in', '=': 'zoom-in', '-': 'zoom-out', 0: 'fit-width' }[event.key];
      if (action && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        this.act(action);
      }
    });
    new ResizeObserver(() => {
      const width = this.box.clientWidth;
      if (this.doc && this.fit && width > 0 && Math.abs(width - this.lastWidth) > 1) this.render();
    }).observe(this.box);

    container.hidden = false;
    this.setOpen(container.dataset.open === 'true');
  }

  setOpen(open) {
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.textContent = open ? this.container.dataset.textClose : this.container.dataset.textOpen;
    this.body.hidden = !open;
    if (open && !this.doc && !this.loading) this.load();
  }

  say(key) {
    this.message.textContent = key ? this.message.dataset[key] : '';
    this.message.hidden = !key;
  }

  async load() {
    this.loading = true;
    this.toolbar.hidden = true;
    this.box.hidden = true;
    this.say('textLoading');
    try {
      const lib = await pdfjs(this.container);
      const task = lib.getDocument({
        url: this.container.dataset.pdfUrl,
        isEvalSupported: false,
        useWasm: false,
        enableXfa: false,
        standardFontDataUrl: this.container.dataset.pdfjsFonts,
      });
      this.doc = await task.promise;
      this.toolbar.hidden = false;
      this.box.hidden = false;
      this.say(null);
      await this.render();
      const pending = this.pending;
      this.pending = null;
      if (pending) await this.goTo(pending.pageNumber, pending.showSignature);
    } catch (error) {
      console.error('paraaf: the document viewer could not show the document', error);
      this.toolbar.hidden = true;
      this.box.hidden = true;
      if (this.toSignature) this.toSignature.hidden = true;
      this.say('textFailed');
    } finally {
      this.loading = false;
    }
  }

  act(action) {
    if (!this.doc) return;
    if (action === 'previous') return this.goTo(this.pageNumber - 1);
    if (action === 'next') return this.goTo(this.pageNumber + 1);
    if (action === 'fit-width') {
      this.fit = true;
    } else {
      this.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, this.scale * (action === 'zoom-in' ? 1.25 : 0.8)));
      this.fit = false;
    }
    return this.render();
  }

  async goTo(pageNumber, showSignature = false) {
    // "To your signature" pressed while the document still loads: a phone on a slow line shows the button before the
    // page; the tap is kept and done once the document is there, not lost.
    if (!this.doc && this.loading) {
      this.pending = { pageNumber, showSignature };
      return;
    }
    if (!this.doc || !Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > this.doc.numPages) return;
    this.pageNumber = pageNumber;
    const rect = await this.render();
    if (showSignature && rect) {
      this.box.scrollTop = Math.max(0, rect.top - 16);
      this.box.scrollLeft = Math.max(0, rect.left - 16);
      this.box.scrollIntoView({ block: 'nearest' });
    }
  }

  /** Draws the current page; answers the first signature rectangle on it (CSS pixels), if any. */
  async render() {
    if (!this.doc) return null;
    const generation = ++this.generation;
    const page = await this.doc.getPage(this.pageNumber);
    // pdf.js refuses two renders on one canvas: a newer call wins, an older drawing is
    // cancelled and finished before the canvas is reused.
    if (generation !== this.generation) return null;
    this.canvas.style.transform = '';
    const previous = this.task;
    if (previous) {
      previous.cancel();
      await previous.promise.catch(() => undefined);
      if (generation !== this.generation) return null;
    }
    const natural = page.getViewport({ scale: 1 });
    this.lastWidth = this.box.clientWidth;
    if (this.fit) this.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, (this.lastWidth || natural.width) / natural.width));
    const viewport = page.getViewport({ scale: this.scale });
    const ratio = Math.min(window.devicePixelRatio || 1, Math.sqrt(MAX_CANVAS_PIXELS / (viewport.width * viewport.height)));
    const canvas = this.canvas;
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    const context = canvas.getContext('2d');
    const task = page.render({ canvasContext: context, viewport, transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0] });
    this.task = task;
    this.showState();
    try {
      await task.promise;
    } catch (error) {
      if (error?.name === 'RenderingCancelledException') return null;
      throw error;
    } finally {
      if (this.task === task) this.task = null;
    }
    if (this.pageNumber === this.doc.numPages) this.markRead();
    return this.highlight(context, viewport, ratio);
  }

  /** The last page has been shown: recorded once as read (`document.opened`, how 'viewed'). */
  async markRead() {
    const url = this.container.dataset.readUrl;
    if (!url || this.read || this.marking) return;
    this.marking = true;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: this.container.dataset.readCsrf || '' }),
        credentials: 'same-origin',
      });
      if (!response.ok) throw new Error(`read not recorded: ${response.status}`);
      this.read = true;
      this.container.dataset.read = 'true';
      if (this.readNote) this.readNote.textContent = this.container.dataset.textRead || '';
      markDocumentRead(this.container.closest('li'));
    } catch (error) {
      // Not recorded: the signer is told at signing, and downloading the document still counts.
      console.error('paraaf: could not record that the document was read', error);
    } finally {
      this.marking = false;
    }
  }

  /**
   * Phone gestures on the page (issue 12): a sideways swipe turns the page while it fits the width;
   * two fingers pinch the zoom (previewed with a CSS transform, drawn anew when they lift); a double
   * tap (or double click) toggles between fitting the width and twice that.
   */
  touch() {
    const pointers = new Map();
    let pinch = null;
    let swipe = null;
    let lastTap = { at: 0, x: 0, y: 0 };
    const distance = () => {
      const [a, b] = [...pointers.values()];
      return Math.hypot(a.x - b.x, a.y - b.y);
    };
    this.box.addEventListener('pointerdown', (event) => {
      if (event.pointerType === 'mouse') return;
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pointers.size === 2 && this.doc) {
        pinch = { from: distance(), scale: this.scale, ratio: 1 };
        swipe = null;
      } else if (pointers.size === 1) {
        swipe = { x: event.clientX, y: event.clientY };
      }
    });
    this.box.addEventListener('pointermove', (event) => {
      if (!pointers.has(event.pointerId)) return;
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pinch && pointers.size === 2) {
        pinch.ratio = Math.min(MAX_SCALE / pinch.scale, Math.max(MIN_SCALE / pinch.scale, distance() / pinch.from));
        this.canvas.style.transformOrigin = 'top left';
        this.canvas.style.transform = `scale(${pinch.ratio})`;
      }
    });
    const end = (event) => {
      if (!pointers.has(event.pointerId)) return;
      const start = swipe;
      pointers.delete(event.pointerId);
      if (pinch) {
        if (pointers.size < 2) {
          const { scale, ratio } = pinch;
          pinch = null;
          if (Math.abs(ratio - 1) > 0.05) {
            this.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale * ratio));
            this.fit = false;
          }
          this.render();
        }
        return;
      }
      swipe = null;
      if (!start || event.type === 'pointercancel' || !this.doc) return;
      const dx = event.clientX - start.x;
      const dy = event.clientY - start.y;
      const sideways = this.box.scrollWidth > this.box.clientWidth + 1;
      if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > 1.5 * Math.abs(dy) && !sideways) {
        this.goTo(this.pageNumber + (dx < 0 ? 1 : -1));
        return;
      }
      if (Math.abs(dx) < 10 && Math.abs(dy) < 10) {
        const now = Date.now();
        if (now - lastTap.at < DOUBLE_TAP_MS && Math.hypot(event.clientX - lastTap.x, event.clientY - lastTap.y) < 30) {
          lastTap = { at: 0, x: 0, y: 0 };
          this.toggleZoom();
        } else {
          lastTap = { at: now, x: event.clientX, y: event.clientY };
        }
      }
    };
    this.box.addEventListener('pointerup', end);
    this.box.addEventListener('pointercancel', end);
    this.box.addEventListener('dblclick', () => this.toggleZoom());
  }

  toggleZoom() {
    if (!this.doc) return;
    if (this.fit) {
      this.scale = Math.min(MAX_SCALE, this.scale * 2);
      this.fit = false;
    } else {
      this.fit = true;
    }
    this.render();
  }

  /** Outlines this signer's fields on the current page, through the viewport transform. */
  highlight(context, viewport, ratio) {
    let first = null;
    context.save();
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    for (const field of this.fields.filter((f) => f.page === this.pageNumber)) {
      const [x1, y1, x2, y2] = viewport.convertToViewportRectangle([field.x, field.y, field.x + field.width, field.y + field.height]);
      const rect = { left: Math.min(x1, x2), top: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
      first ??= rect;
      context.fillStyle = 'rgba(255, 221, 0, 0.25)';
      context.fillRect(rect.left, rect.top, rect.width, rect.height);
      context.lineWidth = 3;
      context.strokeStyle = '#a3005c';
      context.strokeRect(rect.left, rect.top, rect.width, rect.height);
      context.lineWidth = 1;
      context.strokeStyle = '#ffffff';
      context.strokeRect(rect.left + 2, rect.top + 2, Math.max(0, rect.width - 4), Math.max(0, rect.height - 4));
    }
    context.restore();
    return first;
  }

  showState() {
    const values = { page: this.pageNumber, pages: this.doc.numPages };
    this.indicator.textContent = fill(this.container.dataset.textPage, values);
    // A phone shows "2 / 7" so that the toolbar stays one row; the full sentence is still what is announced.
    if (this.shortIndicator) this.shortIndicator.textContent = `${values.page} / ${values.pages}`;
    this.canvas.setAttribute('aria-label', fill(this.container.dataset.textCanvas, values));
    this.buttons.previous?.setAttribute('aria-disabled', String(this.pageNumber <= 1));
    this.buttons.next?.setAttribute('aria-disabled', String(this.pageNumber >= this.doc.numPages));
    this.buttons['zoom-in']?.setAttribute('aria-disabled', String(this.scale >= MAX_SCALE));
    this.buttons['zoom-out']?.setAttribute('aria-disabled', String(this.scale <= MIN_SCALE));
    this.box.dataset.zoomed = String(!this.fit);
  }
}

// ——— reading before signing (issue 12) ———

/** Marks the document of list item `item` read on the page (the server already recorded it). */
function markDocumentRead(item) {
  const state = item?.querySelector('.read-state');
  if (!state || state.dataset.read === 'true') return;
  state.dataset.read = 'true';
  state.textContent = state.dataset.textDone;
  document.dispatchEvent(new CustomEvent('paraaf:read'));
}

/**
 * The link page's sign button says it cannot sign yet while a document is unread: pressing it then
 * points to the explanation instead of posting (the server would refuse, 409 document_not_read).
 */
function guardSigning(form) {
  const button = form.querySelector('button[type="submit"]');
  const explain = document.getElementById('read-explain');
  if (!button || !explain) return;
  explain.tabIndex = -1;
  // What the server has the button described by ("Uw handtekening vermeldt: …", issue 12) stays, after the reason it waits.
  const own = button.getAttribute('aria-describedby');
  const unread = () => document.querySelectorAll('.read-state[data-read="false"]').length > 0;
  const update = () => {
    if (unread()) {
      button.setAttribute('aria-disabled', 'true');
      button.setAttribute('aria-describedby', own ? `read-explain ${own}` : 'read-explain');
    } else {
      button.removeAttribute('aria-disabled');
      if (own) button.setAttribute('aria-describedby', own);
      else button.removeAttribute('aria-describedby');
    }
  };
  form.addEventListener('submit', (event) => {
    if (!unread()) return;
    event.preventDefault();
    explain.focus();
  });
  document.addEventListener('paraaf:read', update);
  update();
}

/** A download counts as reading: the server records it, the page shows it. */
function watchDownloads() {
  for (const link of document.querySelectorAll('ul.documents a[download]')) {
    link.addEventListener('click', () => markDocumentRead(link.closest('li')));
  }
}

// ——— batch signing with progress ———

const element = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function enhanceBatch(form, progress) {
  const bar = progress.querySelector('progress');
  const status = progress.querySelector('#batch-progress-status');
  const button = form.querySelector('button[type="submit"]');
  const texts = progress.dataset;
  let busy = false;

  const showError = (message) => {
    form.querySelector('#batch-script-error')?.remove();
    const error = element('p', { class: 'error', id: 'batch-script-error', role: 'alert' }, message);
    button.before(error);
  };

  const post = async (fields) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await fetch(`${form.action}-one`, {
        method: 'POST',
        headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields),
        credentials: 'same-origin',
      });
      if (response.status === 429) {
        await sleep(Math.min(60, Number(response.headers.get('Retry-After')) || 5) * 1000);
        continue;
      }
      const json = (response.headers.get('content-type') || '').includes('application/json') ? await response.json() : null;
      if (!json) throw new Error(`unexpected answer ${response.status}`);
      return { ok: response.ok, json };
    }
    throw new Error('rate limited');
  };

  const summary = (results) => {
    const signed = results.filter((r) => r.signed);
    const failed = results.filter((r) => !r.signed);
    const title = element('h1', { tabindex: '-1' }, texts.textTitle);
    const signedList = signed.length
      ? [
          element('p', { class: 'hint' }, texts.textNote),
          element(
            'ul',
            { class: 'batch-results' },
            ...signed.map((r) =>
              element(
                'li',
                { class: 'batch-result', 'data-envelope-id': r.envelopeId, 'data-outcome': 'signed' },
                r.title,
                element('ul', { class: 'documents' }, ...(r.documents || []).map((d) => element('li', {}, element('a', { href: d.url, download: '' }, d.label)))),
              ),
            ),
          ),
        ]
      : [element('p', {}, texts.textNone)];
    const failedList = failed.length
      ? [element('ul', { class: 'batch-results' }, ...failed.map((r) => element('li', { class: 'batch-result', 'data-envelope-id': r.envelopeId, 'data-outcome': 'failed', 'data-reason': r.reason || '' }, `${r.title}${texts.textColon} ${r.reasonText}`)))]
      : [element('p', {}, texts.textNone)];
    const main = document.querySelector('main');
    main.replaceChildren(
      title,
      element('section', { 'aria-labelledby': 'signed-heading', id: 'batch-signed' }, element('h2', { id: 'signed-heading' }, fill(texts.textSigned, { count: signed.length })), ...signedList),
      element('section', { 'aria-labelledby': 'failed-heading', id: 'batch-failed' }, element('h2', { id: 'failed-heading' }, fill(texts.textFailed, { count: failed.length })), ...failedList),
      element('p', {}, element('a', { href: form.action.replace(/\/sign$/, '') }, texts.textBack)),
    );
    document.title = document.title.replace(/^[^–]*/, `${texts.textTitle} `);
    title.focus();
  };

  form.addEventListener('submit', async (event) => {
    if (busy) return event.preventDefault();
    const selected = [...form.querySelectorAll('input[name="envelope"]:checked')].map((input) => ({ id: input.value, title: input.labels?.[0]?.textContent?.trim() || input.value }));
    const consent = form.querySelector('#consent');
    // Nothing chosen or no consent: the form posts as without JavaScript, and the server explains.
    if (selected.length === 0 || !consent?.checked) return;
    event.preventDefault();
    busy = true;
    button.setAttribute('aria-disabled', 'true');
    form.querySelector('#batch-script-error')?.remove();
    const data = new FormData(form);
    const base = { _csrf: String(data.get('_csrf') || ''), consent: 'ja', code: String(data.get('code') || ''), total: String(selected.length), lang: document.documentElement.lang };
    bar.max = selected.length;
    bar.value = 0;
    status.textContent = fill(texts.textStatus, { done: 0, total: selected.length });
    progress.hidden = false;
    const results = [];
    let ticket = '';
    let done = 0;
    for (const [index, envelope] of selected.entries()) {
      let answer;
      try {
        answer = await post({ ...base, envelope: envelope.id, ticket });
      } catch {
        for (const rest of selected.slice(index)) results.push({ envelopeId: rest.id, title: rest.title, signed: false, reason: 'connection', reasonText: texts.textLost });
        break;
      }
      const { ok, json } = answer;
      if (ok) {
        ticket = json.ticket || ticket;
        results.push(json);
        if (json.signed) done += 1;
      } else if (results.length === 0 && ['code_required', 'code_missing', 'code_invalid', 'code_expired', 'code_locked', 'csrf_invalid', 'ticket_invalid', 'consent_missing', 'select_missing'].includes(json.error)) {
        // Nothing signed yet: the person can correct the form (a wrong code, an expired form).
        progress.hidden = true;
        busy = false;
        button.removeAttribute('aria-disabled');
        showError(json.message);
        form.querySelector('#code-input')?.focus();
        return;
      } else if (json.error?.startsWith('code_') || json.error === 'ticket_invalid' || json.error === 'csrf_invalid') {
        for (const rest of selected.slice(index)) results.push({ envelopeId: rest.id, title: rest.title, signed: false, reason: json.error, reasonText: json.message });
        break;
      } else {
        results.push({ envelopeId: envelope.id, title: envelope.title, signed: false, reason: json.error, reasonText: json.message });
      }
      bar.value = index + 1;
      status.textContent = fill(texts.textStatus, { done, total: selected.length });
    }
    summary(results);
  });
}

function start() {
  const viewers = document.querySelectorAll('.pdf-viewer[data-pdf-url]');
  const progress = document.getElementById('batch-progress');
  const form = document.getElementById('batch-form');
  if (viewers.length) loadStylesheet(viewers[0].dataset.stylesheet);
  for (const container of viewers) new Viewer(container);
  if (form && progress && window.fetch) enhanceBatch(form, progress);
  watchDownloads();
  const signForm = document.getElementById('sign-form');
  if (signForm) guardSigning(signForm);
}

start();
