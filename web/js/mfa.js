// Two-step sign-in: setting up an authenticator app (the QR code, the key as text, a first
// code to confirm), then the recovery codes, shown once. Used by the sign-in page (when the
// server says an account must set it up) and by the dashboard.
import { api, errorMessage } from './api.js';
import { say, setBusy } from './ui.js';

/**
 * The server's QR code (an SVG document of a rect and a path) as a DOM node. The page's
 * Content-Security-Policy allows images from this origin only, so no data: URL: the SVG is
 * parsed and imported instead, and anything in it but <svg>, <rect> and <path> is refused.
 */
export function svgNode(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.namespaceURI !== 'http://www.w3.org/2000/svg' || root.localName !== 'svg') return null;
  for (const el of root.querySelectorAll('*')) {
    if (el.localName !== 'rect' && el.localName !== 'path') return null;
  }
  const node = document.importNode(root, true);
  node.setAttribute('role', 'img');
  node.setAttribute('aria-label', 'QR code for your authenticator app');
  node.classList.add('mfa-qr');
  return node;
}

/**
 * Runs an enrolment in `section` (the markup with the ids enrol-*). onDone(result) is
 * called after the recovery codes were acknowledged, with the confirmation's answer.
 */
export async function enrol(section, onDone) {
  const $ = (id) => section.querySelector(`#${id}`);
  const qr = $('enrol-qr');
  const secret = $('enrol-secret');
  const form = $('enrol-form');
  const code = $('enrol-code');
  const error = $('enrol-error');
  const codesBox = $('enrol-codes');
  const codesList = $('enrol-code-list');
  const saved = $('enrol-saved');
  section.hidden = false;
  codesBox.hidden = true;
  form.hidden = false;
  say(error, '');
  const start = await api('POST', '/api/v1/me/mfa/totp');
  if (start.status !== 200) {
    say(error, errorMessage(start));
    return;
  }
  const node = svgNode(start.data.qr_svg);
  qr.replaceChildren(...(node ? [node] : []));
  secret.textContent = start.data.secret.replace(/(.{4})(?=.)/g, '$1 ');
  code.value = '';
  code.focus();
  form.onsubmit = async (event) => {
    event.preventDefault();
    const typed = code.value.replace(/\s/g, '');
    if (!/^\d{6}$/.test(typed)) {
      say(error, 'Please enter the 6-digit code your app shows.');
      code.focus();
      return;
    }
    setBusy(form, true);
    const result = await api('POST', '/api/v1/me/mfa/totp/confirm', { code: typed });
    setBusy(form, false);
    if (result.status !== 200) {
      say(error, errorMessage(result));
      code.select();
      return;
    }
    say(error, '');
    form.hidden = true;
    qr.replaceChildren();
    secret.textContent = '';
    codesList.replaceChildren(...result.data.recovery_codes.map((c) => {
      const li = document.createElement('li');
      li.textContent = c;
      return li;
    }));
    codesBox.hidden = false;
    saved.focus();
    saved.onclick = () => {
      codesList.replaceChildren();
      codesBox.hidden = true;
      section.hidden = true;
      onDone(result);
    };
  };
}
