// Progressive enhancement of the staff send page /app/send (issue 5). Plain ES module from our own
// origin (CSP script-src 'self'). Without it the form still posts (file picker, route select,
// person selects; the signature page is added). With it:
//  - PDFs can be dropped on the page, are listed with a title each and can be removed;
//  - the directory is searched as you type (GET data-search-url?q=, JSON) and a person is put in
//    the first free row (a row is added when all are taken);
//  - each signer's box can be dragged on the rendered page (pdf.js from /assets/pdfjs/…,
//    isEvalSupported: false, no WebAssembly); the box is sent as `placement` fields in PDF points
//    (origin bottom-left, page 1-based): `personId|document|page|x|y|width|height`;
//  - the form is sent with XHR to show upload progress; the server answers JSON.
// Every word shown comes from the page's data-text-* attributes.

const form = document.getElementById('send-form');
if (form) enhance(form);
for (const box of document.querySelectorAll('[data-route-signers]')) showChosenRouteSigners(box);

// Who signs a route's function steps on the day (issue 12): only the route chosen in the select is shown
// (without this script every route with function steps is).
function showChosenRouteSigners(box) {
  const select = document.getElementById(box.dataset.routeSelect);
  if (!select) return;
  const show = () => {
    for (const fieldset of box.querySelectorAll('[data-route-id]')) fieldset.hidden = fieldset.dataset.routeId !== select.value;
  };
  select.addEventListener('change', show);
  show();
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children);
  return node;
}

function enhance(form) {
  const text = form.dataset;
  const say = (key, values = {}) => fill(text[key] ?? '', values);
  if (text.stylesheet && !document.querySelector(`link[href="${text.stylesheet}"]`)) {
    document.head.append(el('link', { rel: 'stylesheet', href: text.stylesheet }));
  }
  const input = form.querySelector('#documents');
  const dropZone = form.querySelector('#drop-zone');
  const fileList = form.querySelector('#file-list');
  const maxFiles = Number(text.maxFiles) || 50;
  /** { file, key, title } in upload order. */
  let files = [];
  let nextKey = 1;

  // ---- files -------------------------------------------------------------------------------
  function addFiles(list) {
    for (const file of list) {
      const isPdf = file.type === 'application/pdf' || /\.pdf$/i.test(file.name);
      if (!isPdf || files.length >= maxFiles) continue;
      if (files.some((f) => f.file.name === file.name && f.file.size === file.size)) continue;
      files.push({ file, key: nextKey++, title: file.name.replace(/\.pdf$/i, '').replace(/_+/g, ' ').trim() });
    }
    input.value = '';
    renderFiles();
    placement.refresh();
  }

  function renderFiles() {
    const ul = fileList.querySelector('ul');
    ul.replaceChildren(
      ...files.map((entry, index) => {
        const id = `title-${index}`;
        const titleInput = el('input', { type: 'text', id, name: id, maxlength: 500, value: entry.title });
        titleInput.addEventListener('input', () => {
          entry.title = titleInput.value;
        });
        const remove = el('button', { type: 'button', text: say('textRemove', { name: entry.file.name }) });
        remove.addEventListener('click', () => {
          files = files.filter((f) => f !== entry);
          renderFiles();
          placement.refresh();
          input.focus();
        });
        return el('li', {}, el('div', { class: 'field' }, el('label', { for: id, text: say('textDocumentTitle', { name: entry.file.name }) }), titleInput), remove);
      }),
    );
    fileList.hidden = files.length === 0;
    input.required = files.length === 0;
  }

  input.addEventListener('change', () => addFiles([...input.files]));
  dropZone.hidden = false;
  for (const target of [dropZone, form]) {
    target.addEventListener('dragover', (event) => {
      if (![...(event.dataTransfer?.types ?? [])].includes('Files')) return;
      event.preventDefault();
      dropZone.classList.add('is-over');
    });
    target.addEventListener('dragleave', () => dropZone.classList.remove('is-over'));
    target.addEventListener('drop', (event) => {
      if (!event.dataTransfer?.files?.length) return;
      event.preventDefault();
      dropZone.classList.remove('is-over');
      addFiles([...event.dataTransfer.files]);
    });
  }

  // ---- people --------------------------------------------------------------------------------
  const rowsBox = form.querySelector('#person-rows');
  const routeSelect = form.querySelector('#route');
  const rows = () => [...rowsBox.querySelectorAll('.person-row')];

  function addPerson(person) {
    let row = rows().find((r) => !r.querySelector('[data-role="person"]').value);
    if (!row) {
      const last = rows().at(-1);
      const index = rows().length;
      row = last.cloneNode(true);
      row.dataset.row = String(index);
      row.querySelector('legend').textContent = say('textPerson', { number: index + 1 });
      for (const control of row.querySelectorAll('[data-role]')) {
        const name = `${control.dataset.role}-${index}`;
        control.id = name;
        control.name = name;
        control.closest('.field').querySelector('label').htmlFor = name;
      }
      row.querySelector('[data-role="order"]').value = String(index + 1);
      row.querySelector('[data-role="role"]').value = 'signer';
      rowsBox.append(row);
    }
    const select = row.querySelector('[data-role="person"]');
    select.value = person.id;
    if (select.value !== person.id) {
      select.append(el('option', { value: person.id, text: `${person.name}${person.function ? ` – ${person.function}` : ''} (${person.email})` }));
      select.value = person.id;
    }
    if (routeSelect.value) routeSelect.value = '';
    placement.refresh();
    row.querySelector('[data-role="order"]').focus();
  }

  const search = form.querySelector('#people-search');
  const searchInput = search.querySelector('input');
  const results = search.querySelector('[role="listbox"]');
  const status = search.querySelector('[role="status"]');
  let found = [];
  let active = -1;
  let timer;
  let generation = 0;
  search.hidden = false;

  function showResults() {
    results.replaceChildren(
      ...found.map((person, index) => {
        const option = el('li', { role: 'option', id: `person-option-${index}`, 'aria-selected': String(index === active), text: `${person.name}${person.function ? ` – ${person.function}` : ''} (${person.email})` });
        option.addEventListener('mousedown', (event) => event.preventDefault());
        option.addEventListener('click', () => choose(index));
        return option;
      }),
    );
    const open = found.length > 0 && searchInput.value.trim() !== '';
    results.hidden = !open;
    searchInput.setAttribute('aria-expanded', String(open));
    if (active >= 0) searchInput.setAttribute('aria-activedescendant', `person-option-${active}`);
    else searchInput.removeAttribute('aria-activedescendant');
  }

  function choose(index) {
    const person = found[index];
    if (!person) return;
    found = [];
    active = -1;
    searchInput.value = '';
    showResults();
    addPerson(person);
    status.textContent = say('textAdd', { name: person.name });
  }

  searchInput.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = searchInput.value.trim();
      const mine = ++generation;
      if (!q) {
        found = [];
        showResults();
        return;
      }
      try {
        const response = await fetch(`${text.searchUrl}?q=${encodeURIComponent(q)}`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
        if (!response.ok || mine !== generation) return;
        found = (await response.json()).people ?? [];
        active = found.length ? 0 : -1;
        showResults();
        status.textContent = found.length ? say('textResults', { count: found.length }) : say('textNoResults');
      } catch {
        /* the plain selects still work */
      }
    }, 200);
  });
  searchInput.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (!found.length) return;
      event.preventDefault();
      active = (active + (event.key === 'ArrowDown' ? 1 : -1) + found.length) % found.length;
      showResults();
    } else if (event.key === 'Enter') {
      if (found.length) {
        event.preventDefault();
        choose(Math.max(0, active));
      }
    } else if (event.key === 'Escape') {
      found = [];
      showResults();
    }
  });
  searchInput.addEventListener('blur', () => setTimeout(() => {
    results.hidden = true;
    searchInput.setAttribute('aria-expanded', 'false');
  }, 150));

  /** Who signs or approves, as the server will see it: the route's steps, or the filled rows. */
  function signers() {
    const option = routeSelect.selectedOptions[0];
    if (option?.value) {
      try {
        return JSON.parse(option.dataset.steps || '[]')
          .filter((s) => s.role !== 'cc')
          .map((s) => {
            // A function step signed by delegation: the delegate chosen places the box.
            const choice = s.step === undefined ? null : form.querySelector(`#delegation-${CSS.escape(option.value)}-${s.step}`)?.selectedOptions[0];
            return choice?.dataset.personId ? { id: choice.dataset.personId, name: choice.dataset.personName } : { id: s.personId, name: s.name };
          })
          .filter((s) => s.id);
      } catch {
        return [];
      }
    }
    const list = [];
    for (const row of rows()) {
      const select = row.querySelector('[data-role="person"]');
      const role = row.querySelector('[data-role="role"]').value;
      if (!select.value || role === 'cc' || list.some((s) => s.id === select.value)) continue;
      list.push({ id: select.value, name: select.selectedOptions[0].textContent.replace(/ [–(].*$/, '') });
    }
    return list;
  }
  form.addEventListener('change', (event) => {
    if (event.target === routeSelect || event.target.closest?.('.person-row') || event.target.closest?.('[data-route-signers]')) placement.refresh();
  });

  // ---- placement -----------------------------------------------------------------------------
  const placement = createPlacement(form, say, () => files, signers);

  // ---- submit with progress ------------------------------------------------------------------
  const progress = form.querySelector('#send-progress');
  const bar = progress.querySelector('progress');
  const progressStatus = progress.querySelector('.progress-status');
  const errorBox = document.getElementById('send-errors');
  const submit = form.querySelector('button[type="submit"]');

  function showErrors(errors) {
    errorBox.replaceChildren(el('h2', { text: say('textErrors') }), el('ul', {}, ...errors.map((e) => el('li', { text: e }))));
    errorBox.hidden = false;
    errorBox.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    data.delete('documents');
    data.delete('placement');
    for (const value of placement.values()) data.append('placement', value);
    for (const entry of files) data.append('documents', entry.file, entry.file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.round((e.loaded / e.total) * 100);
      bar.value = percent;
      progressStatus.textContent = percent < 100 ? say('textProgressStatus', { percent }) : say('textProgressBusy');
    });
    const done = () => {
      submit.disabled = false;
      progress.hidden = true;
    };
    xhr.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status === 200 && body?.redirect) {
        window.location.assign(body.redirect);
        return;
      }
      done();
      showErrors(Array.isArray(body?.errors) ? body.errors : [body?.detail ?? body?.title ?? say('textProgressFailed')]);
    });
    xhr.addEventListener('error', () => {
      done();
      showErrors([say('textProgressFailed')]);
    });
    submit.disabled = true;
    bar.value = 0;
    progress.hidden = false;
    progressStatus.textContent = say('textProgressStatus', { percent: 0 });
    xhr.send(data);
  });
}

let pdfjsLoaded;
function pdfjs(form) {
  pdfjsLoaded ??= import(form.dataset.pdfjs).then((lib) => {
    lib.GlobalWorkerOptions.workerSrc = form.dataset.pdfjsWorker;
    return lib;
  });
  return pdfjsLoaded;
}

function createPlacement(form, say, getFiles, getSigners) {
  const section = form.querySelector('#placement');
  const docSelect = section.querySelector('#placement-document');
  const signerSelect = section.querySelector('#placement-signer');
  const pageLabel = section.querySelector('.placement-page');
  const message = section.querySelector('.placement-message');
  const canvas = section.querySelector('canvas');
  const overlay = section.querySelector('.placement-boxes');
  const list = section.querySelector('.placement-list');
  const buttons = Object.fromEntries([...section.querySelectorAll('[data-action]')].map((b) => [b.dataset.action, b]));
  /** file key → pdf.js document promise */
  const docs = new Map();
  /** `${fileKey}|${personId}` → { key, personId, page, x, y, width, height } (PDF points) */
  const boxes = new Map();
  let current = null; // { entry, doc, pageNumber, viewport }
  let generation = 0;

  const currentEntry = () => getFiles().find((f) => String(f.key) === docSelect.value);

  function refresh() {
    const files = getFiles();
    const signers = getSigners();
    // Forget boxes of removed files or people.
    for (const [id, box] of boxes) {
      if (!files.some((f) => f.key === box.key) || !signers.some((s) => s.id === box.personId)) boxes.delete(id);
    }
    section.hidden = files.length === 0 || signers.length === 0;
    const chosenDoc = docSelect.value;
    docSelect.replaceChildren(...files.map((f) => el('option', { value: f.key, text: f.file.name })));
    if (files.some((f) => String(f.key) === chosenDoc)) docSelect.value = chosenDoc;
    const chosenSigner = signerSelect.value;
    signerSelect.replaceChildren(...signers.map((s) => el('option', { value: s.id, text: s.name })));
    if (signers.some((s) => s.id === chosenSigner)) signerSelect.value = chosenSigner;
    if (!section.hidden && (!current || current.entry !== currentEntry())) show(1);
    else drawBoxes();
    renderList();
  }

  async function load(entry) {
    if (!docs.has(entry.key)) {
      docs.set(entry.key, (async () => {
        const lib = await pdfjs(form);
        const data = new Uint8Array(await entry.file.arrayBuffer());
        return lib.getDocument({ data, isEvalSupported: false, useWasm: false, enableXfa: false, standardFontDataUrl: form.dataset.pdfjsFonts }).promise;
      })());
    }
    return docs.get(entry.key);
  }

  async function show(pageNumber) {
    const entry = currentEntry();
    if (!entry) return;
    const mine = ++generation;
    try {
      const doc = await load(entry);
      const page = await doc.getPage(Math.min(Math.max(1, pageNumber), doc.numPages));
      if (mine !== generation) return;
      const width = Math.min(section.clientWidth || 800, 900);
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: width / base.width });
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      canvas.style.width = `${viewport.width}px`;
      canvas.style.height = `${viewport.height}px`;
      await page.render({ canvasContext: canvas.getContext('2d'), viewport, transform: ratio === 1 ? undefined : [ratio, 0, 0, ratio, 0, 0] }).promise;
      if (mine !== generation) return;
      current = { entry, doc, pageNumber: page.pageNumber, viewport };
      message.hidden = true;
      canvas.parentElement.hidden = false;
      pageLabel.textContent = say('textPage', { page: page.pageNumber, pages: doc.numPages });
      buttons.previous.disabled = page.pageNumber <= 1;
      buttons.next.disabled = page.pageNumber >= doc.numPages;
      drawBoxes();
    } catch (error) {
      console.error('paraaf: the page could not be shown', error);
      current = null;
      canvas.parentElement.hidden = true;
      message.textContent = say('textRenderFailed');
      message.hidden = false;
    }
  }

  function cssRect(box) {
    const [x1, y1] = current.viewport.convertToViewportPoint(box.x, box.y);
    const [x2, y2] = current.viewport.convertToViewportPoint(box.x + box.width, box.y + box.height);
    return { left: Math.min(x1, x2), top: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
  }

  function drawBoxes() {
    overlay.replaceChildren();
    if (!current) return;
    const names = new Map(getSigners().map((s) => [s.id, s.name]));
    for (const box of boxes.values()) {
      if (box.key !== current.entry.key || box.page !== current.pageNumber) continue;
      const r = cssRect(box);
      overlay.append(positioned(el('div', { class: 'placement-box', 'aria-hidden': 'true', text: names.get(box.personId) ?? '' }), r));
    }
  }

  function positioned(node, r) {
    node.style.left = `${r.left}px`;
    node.style.top = `${r.top}px`;
    node.style.width = `${r.width}px`;
    node.style.height = `${r.height}px`;
    return node;
  }

  function renderList() {
    const names = new Map(getSigners().map((s) => [s.id, s.name]));
    list.replaceChildren(
      ...[...boxes.entries()].map(([id, box]) => {
        const name = names.get(box.personId) ?? '';
        const file = getFiles().find((f) => f.key === box.key);
        const clear = el('button', { type: 'button', text: say('textClear', { name }) });
        clear.addEventListener('click', () => {
          boxes.delete(id);
          drawBoxes();
          renderList();
        });
        return el('li', {}, `${file?.file.name ?? ''}${say('textColon')} ${say('textPlaced', { name, page: box.page })} `, clear);
      }),
    );
  }

  let start = null;
  let drawing = null;
  overlay.addEventListener('pointerdown', (event) => {
    if (!current || !signerSelect.value) return;
    const bounds = overlay.getBoundingClientRect();
    start = { x: event.clientX - bounds.left, y: event.clientY - bounds.top };
    drawing = el('div', { class: 'placement-box is-drawing', 'aria-hidden': 'true' });
    overlay.append(positioned(drawing, { left: start.x, top: start.y, width: 0, height: 0 }));
    overlay.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  overlay.addEventListener('pointermove', (event) => {
    if (!start || !drawing) return;
    const bounds = overlay.getBoundingClientRect();
    const x = Math.min(Math.max(0, event.clientX - bounds.left), bounds.width);
    const y = Math.min(Math.max(0, event.clientY - bounds.top), bounds.height);
    positioned(drawing, { left: Math.min(start.x, x), top: Math.min(start.y, y), width: Math.abs(x - start.x), height: Math.abs(y - start.y) });
  });
  overlay.addEventListener('pointerup', (event) => {
    if (!start || !drawing) return;
    const bounds = overlay.getBoundingClientRect();
    const x = Math.min(Math.max(0, event.clientX - bounds.left), bounds.width);
    const y = Math.min(Math.max(0, event.clientY - bounds.top), bounds.height);
    const begin = start;
    start = null;
    drawing.remove();
    drawing = null;
    if (Math.abs(x - begin.x) < 8 || Math.abs(y - begin.y) < 8) return;
    const [ax, ay] = current.viewport.convertToPdfPoint(begin.x, begin.y);
    const [bx, by] = current.viewport.convertToPdfPoint(x, y);
    const round = (n) => Math.round(n * 100) / 100;
    const box = {
      key: current.entry.key,
      personId: signerSelect.value,
      page: current.pageNumber,
      x: round(Math.max(0, Math.min(ax, bx))),
      y: round(Math.max(0, Math.min(ay, by))),
      width: round(Math.abs(bx - ax)),
      height: round(Math.abs(by - ay)),
    };
    boxes.set(`${box.key}|${box.personId}`, box);
    drawBoxes();
    renderList();
  });

  docSelect.addEventListener('change', () => show(1));
  buttons.previous.addEventListener('click', () => current && show(current.pageNumber - 1));
  buttons.next.addEventListener('click', () => current && show(current.pageNumber + 1));

  return {
    refresh,
    /** The `placement` fields, with the document index in today's upload order. */
    values() {
      const files = getFiles();
      return [...boxes.values()]
        .map((b) => ({ ...b, document: files.findIndex((f) => f.key === b.key) }))
        .filter((b) => b.document >= 0)
        .map((b) => [b.personId, b.document, b.page, b.x, b.y, b.width, b.height].join('|'));
    },
  };
}
