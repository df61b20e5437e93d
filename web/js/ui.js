// Small helpers shared by the pages. Text always goes in through textContent.

/** Shows text in a message element (role="alert" or "status"); empty text hides it. */
export function say(el, text) {
  el.textContent = text ?? '';
  el.hidden = !text;
}

/** Shows a message followed by a link, e.g. "... Please sign in." + "Go to sign in". */
export function sayWithLink(el, text, linkText, href) {
  const link = document.createElement('a');
  link.href = href;
  link.textContent = linkText;
  el.replaceChildren(document.createTextNode(`${text} `), link);
  el.hidden = false;
}

/** Disables a form's controls while a request runs, and marks the form busy. */
export function setBusy(form, busy) {
  form.setAttribute('aria-busy', busy ? 'true' : 'false');
  for (const el of form.elements) el.disabled = busy;
}

/** Removes the page's "loading" marker so the content shows. */
export function ready() {
  document.body.classList.remove('loading');
}
