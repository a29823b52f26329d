// Signing with the eID card from the qualified sign form (issue 13). Plain ES module, no build
// step, served from our own origin (CSP script-src 'self').
//
// The page talks to the Web eID browser extension (web-eid.eu) with its window message protocol,
// the one the reference library web-eid.js 2.x speaks (our own implementation of it):
//  - the page posts { action: 'web-eid:<command>', libraryVersion, ...arguments } to its own window;
//  - the extension's content script answers '<action>-ack' at once (no ack within a second: there
//    is no extension, ERR_WEBEID_EXTENSION_UNAVAILABLE), then '<action>-success' with the result or
//    '<action>-failure' with { error: { code: 'ERR_WEBEID_…', message } };
//  - only answers from this very window and origin count (a frame cannot forge one);
//  - one request per action at a time; the reply may take the native app's start plus the user's
//    PIN entry (twice the user interaction timeout for signing, as the library allows).
// Commands used: get-signing-certificate → { certificate (base64 DER), supportedSignatureAlgorithms },
// sign { certificate, hash (base64), hashFunction ('SHA-384', …) } → { signature (base64), signatureAlgorithm }.
//
// The flow: certificate from the card → POST …/qualified/web-eid/certificate (the server checks the
// chain and prepares every document) → "U ondertekent als <name>" → one PIN entry per document →
// POST …/qualified/web-eid/signatures → the result page. Every word shown comes from the page.

const LIBRARY_VERSION = '2.1.0';
const EXTENSION_HANDSHAKE_MS = 1000;
const NATIVE_APP_HANDSHAKE_MS = 5000;
const USER_INTERACTION_MS = 2 * 60 * 1000;
/** Content scripts load with the page; the library waits this long after loading before its first message. */
const EXTENSION_LOAD_DELAY_MS = 1000;
const loadedAt = Date.now();

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

class WebEidError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = 'WebEidError';
    this.code = code;
  }
}

/** The page side of the extension's message protocol. */
class WebEidChannel {
  constructor() {
    this.pending = new Map();
    window.addEventListener('message', (event) => this.receive(event));
  }

  receive(event) {
    if (event.source !== window || event.origin !== window.location.origin) return;
    const action = event.data?.action;
    if (typeof action !== 'string' || !action.startsWith('web-eid:')) return;
    const suffix = /-(ack|success|failure)$/.exec(action)?.[1];
    if (!suffix) return; // our own request, or a warning
    const request = this.pending.get(action.slice(0, -suffix.length - 1));
    if (!request) return;
    if (suffix === 'ack') {
      clearTimeout(request.ackTimer);
      return;
    }
    this.settle(request);
    if (suffix === 'success') request.resolve(event.data);
    else request.reject(new WebEidError(String(event.data?.error?.code ?? 'ERR_WEBEID_UNKNOWN_ERROR'), String(event.data?.error?.message ?? '')));
  }

  settle(request) {
    clearTimeout(request.ackTimer);
    clearTimeout(request.replyTimer);
    this.pending.delete(request.action);
  }

  async send(action, fields, replyTimeoutMs) {
    await sleep(loadedAt + EXTENSION_LOAD_DELAY_MS - Date.now());
    if (this.pending.has(action)) throw new WebEidError('ERR_WEBEID_ACTION_PENDING');
    if (!window.isSecureContext) throw new WebEidError('ERR_WEBEID_CONTEXT_INSECURE');
    return new Promise((resolve, reject) => {
      const request = { action, resolve, reject };
      request.ackTimer = setTimeout(() => {
        this.settle(request);
        reject(new WebEidError('ERR_WEBEID_EXTENSION_UNAVAILABLE'));
      }, EXTENSION_HANDSHAKE_MS);
      request.replyTimer = setTimeout(() => {
        this.settle(request);
        reject(new WebEidError('ERR_WEBEID_ACTION_TIMEOUT'));
      }, replyTimeoutMs);
      this.pending.set(action, request);
      window.postMessage({ action, libraryVersion: LIBRARY_VERSION, ...fields }, window.location.origin);
    });
  }

  getSigningCertificate(options) {
    return this.send('web-eid:get-signing-certificate', { options }, EXTENSION_HANDSHAKE_MS + NATIVE_APP_HANDSHAKE_MS + USER_INTERACTION_MS * 2);
  }

  sign(certificate, hash, hashFunction, options) {
    return this.send('web-eid:sign', { certificate, hash, hashFunction, options }, EXTENSION_HANDSHAKE_MS + NATIVE_APP_HANDSHAKE_MS + USER_INTERACTION_MS * 2);
  }
}

/** Which of the page's texts explains a Web eID error code (or the card's message). */
function textFor(error) {
  if (/pin.*(blocked|locked)|(blocked|locked).*pin/i.test(error.message ?? '')) return 'textPinBlocked';
  switch (error.code) {
    case 'ERR_WEBEID_EXTENSION_UNAVAILABLE':
      return 'textExtensionMissing';
    case 'ERR_WEBEID_NATIVE_UNAVAILABLE':
      return 'textNativeMissing';
    case 'ERR_WEBEID_USER_CANCELLED':
      return 'textCancelled';
    case 'ERR_WEBEID_USER_TIMEOUT':
    case 'ERR_WEBEID_ACTION_TIMEOUT':
      return 'textTimeout';
    case 'ERR_WEBEID_NATIVE_FATAL':
      return 'textCardProblem';
    case 'ERR_WEBEID_VERSION_MISMATCH':
    case 'ERR_WEBEID_VERSION_INVALID':
      return 'textOutdated';
    case 'ERR_WEBEID_CONTEXT_INSECURE':
      return 'textInsecure';
    default:
      return 'textFailed';
  }
}

/** A refusal of our own server, already in the page's words; `code` is the problem's. */
class ServerRefusal extends Error {
  constructor(text, code) {
    super(text);
    this.code = code;
  }
}

class QualifiedForm {
  constructor(section, channel) {
    this.section = section;
    this.channel = channel;
    this.button = section.querySelector('#web-eid-sign');
    this.status = section.querySelector('#web-eid-status');
    this.problem = section.querySelector('#web-eid-problem');
    this.codeInput = section.closest('form')?.querySelector('#code-input') ?? null;
    this.busy = false;
    this.button.addEventListener('click', () => this.run());
    this.button.hidden = false;
  }

  markCode(invalid) {
    if (!this.codeInput) return;
    if (invalid) {
      this.codeInput.setAttribute('aria-invalid', 'true');
      this.codeInput.setAttribute('aria-describedby', 'web-eid-problem');
      this.codeInput.focus();
    } else {
      this.codeInput.removeAttribute('aria-invalid');
      this.codeInput.removeAttribute('aria-describedby');
    }
  }

  say(text) {
    this.status.textContent = text;
    this.status.classList.toggle('notice', Boolean(text));
  }

  /** An announced problem; for a missing extension also where to get it and the other ways. */
  fail(text, extensionMissing = false) {
    this.say('');
    this.problem.replaceChildren();
    const message = document.createElement('p');
    message.textContent = text;
    this.problem.append(message);
    if (extensionMissing) {
      const link = document.createElement('a');
      link.href = 'https://web-eid.eu/';
      link.textContent = 'web-eid.eu';
      const where = document.createElement('p');
      where.append(link);
      const other = document.createElement('p');
      other.textContent = this.section.dataset.textAlternatives;
      this.problem.append(where, other);
    }
  }

  async post(url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': this.section.dataset.csrf },
      body: JSON.stringify({ ...body, lang: this.section.dataset.lang }),
    });
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
    if (!response.ok) throw new ServerRefusal(answer?.text ?? this.section.dataset.textFailed, answer?.code);
    return answer;
  }

  async run() {
    if (this.busy) return;
    this.busy = true;
    // aria-disabled, not disabled: the button keeps the focus, so a keyboard user stays where the message is.
    this.button.setAttribute('aria-disabled', 'true');
    this.problem.replaceChildren();
    this.markCode(false);
    try {
      this.say(this.section.dataset.textReading);
      const { certificate, supportedSignatureAlgorithms } = await this.channel.getSigningCertificate({ lang: this.section.dataset.lang });
      const code = this.codeInput ? { code: this.codeInput.value } : {};
      const prepared = await this.post(this.section.dataset.certificateUrl, { certificate, supportedSignatureAlgorithms, ...code });
      const signingAs = fill(this.section.dataset.textSigningAs, { name: prepared.signerName });
      const signatures = [];
      for (const [index, item] of prepared.documents.entries()) {
        this.say(`${signingAs} ${fill(this.section.dataset.textPin, { current: index + 1, total: prepared.documents.length })}`);
        const signed = await this.channel.sign(certificate, item.hash, prepared.hashFunction, { lang: this.section.dataset.lang });
        signatures.push(signed.signature);
      }
      this.say(`${signingAs} ${this.section.dataset.textSaving}`);
      const done = await this.post(this.section.dataset.signaturesUrl, { sessionId: prepared.sessionId, signatures });
      window.location.assign(done.redirect);
    } catch (error) {
      if (error instanceof ServerRefusal) {
        this.fail(error.message);
        // A wrong or missing mailed code: the field itself says so, as on the one-shot form.
        if (typeof error.code === 'string' && error.code.startsWith('code_')) this.markCode(true);
      } else if (error instanceof WebEidError) {
        const key = textFor(error);
        this.fail(this.section.dataset[key], key === 'textExtensionMissing');
      } else {
        console.error('paraaf: signing with the eID card failed', error);
        this.fail(this.section.dataset.textFailed);
      }
      this.button.removeAttribute('aria-disabled');
      this.busy = false;
    }
  }
}

/**
 * The remote services' buttons: the provider's page is on another origin, where a form may not be
 * redirected (CSP form-action 'self'), so the script asks for the URL as JSON and goes there itself.
 */
function enhanceRemoteButtons(form) {
  form.addEventListener('submit', async (event) => {
    const button = event.submitter;
    if (!button?.classList.contains('csc-button')) return;
    event.preventDefault();
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    try {
      const body = new URLSearchParams(new FormData(form));
      const response = await fetch(button.formAction, { method: 'POST', credentials: 'same-origin', headers: { Accept: 'application/json' }, body });
      const answer = await response.json().catch(() => null);
      if (response.ok && typeof answer?.redirect === 'string') return window.location.assign(answer.redirect);
      if (answer?.text) {
        const problem = form.querySelector('#web-eid-problem');
        const message = document.createElement('p');
        message.textContent = answer.text;
        problem.replaceChildren(message);
      }
    } catch (error) {
      console.error('paraaf: starting remote signing failed', error);
    }
    button.removeAttribute('aria-disabled');
  });
}

const section = document.querySelector('#web-eid');
if (section) new QualifiedForm(section, new WebEidChannel());
const form = document.querySelector('#qualified-form');
if (form) enhanceRemoteButtons(form);
