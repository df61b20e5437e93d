// What every page repeats, in one place: finding and making elements, messages, busy forms,
// who may do what, time zones. Text always goes in through textContent.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** A new element with an optional class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** Shows text in a message element (role="alert" or "status"); empty text hides it. */
/**
 * A form control with its label (and a hint under it, which the control is described by),
 * in a `div.field`: the one way the billing and licence forms write one.
 */
export function labelledField(id, labelText, control, hint) {
  const box = el('div', 'field');
  const label = el('label', '', labelText);
  control.id = id;
  label.htmlFor = id;
  box.append(label, control);
  if (hint) {
    const p = el('p', 'hint', hint);
    p.id = `${id}-hint`;
    control.setAttribute('aria-describedby', p.id);
    box.append(p);
  }
  return box;
}

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

/** Whether a signed-in account (the API's `user`) administers the practice. */
export function isAdmin(user) {
  return user?.role === 'admin';
}

/** Whether a meeting role runs the meeting: the host and co-hosts. */
export function isHostRole(role) {
  return role === 'host' || role === 'cohost';
}

/** The browser's own IANA time zone (e.g. "Europe/Berlin"); fallback when it cannot tell. */
export function browserZone(fallback = 'UTC') {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || fallback;
  } catch {
    return fallback;
  }
}

/** A time zone as people read it: "America/New York". */
export function zoneName(zone) {
  return zone.replaceAll('_', ' ');
}

/** Copies text; true when it worked. The clipboard API needs a secure context; elsewhere the
 * older way, through a hidden text area. */
export async function copyText(text) {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the older way
  }
  const area = el('textarea', 'visually-hidden');
  area.value = text;
  area.setAttribute('readonly', '');
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}
