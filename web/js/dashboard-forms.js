// Form helpers the dashboard's forms (and the first-run page) share.
import { say, setBusy } from './ui.js';

/** Marks one control as the one with the problem, and moves focus there. */
export function markInvalid(form, control) {
  clearFieldErrors(form);
  if (!control) return;
  control.setAttribute('aria-invalid', 'true');
  control.focus();
}

// The field errors of an answer: `errors` when the server listed them, else the one
// `error` (an answer that is not about fields gives that one, which names no control).
function errorsOf(result) {
  const list = result?.data?.errors;
  if (Array.isArray(list) && list.length) return list;
  return result?.data?.error ? [result.data.error] : [];
}

const PROBLEM_CLASS = 'field-problem';

/** Takes away every mark and message showFieldErrors left (and any markInvalid mark). */
export function clearFieldErrors(form, formError) {
  for (const p of form.querySelectorAll(`.${PROBLEM_CLASS}`)) {
    const control = form.querySelector(`[aria-describedby~="${p.id}"]`);
    if (control) {
      const rest = control.getAttribute('aria-describedby').split(/\s+/).filter((id) => id && id !== p.id);
      if (rest.length) control.setAttribute('aria-describedby', rest.join(' '));
      else control.removeAttribute('aria-describedby');
    }
    p.remove();
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  if (formError) say(formError, '');
}

/**
 * Shows an error answer on its form: each field error as a sentence next to its control
 * (which gets aria-invalid and, through aria-describedby, the sentence), focus on the
 * first of them; what belongs to no control goes to formError. With several controls
 * marked, formError says so, for whoever did not see them all. `fields` is a list of
 * [apiName, control].
 * Returns the controls marked.
 */
export function showFieldErrors(form, formError, result, fields) {
  clearFieldErrors(form, formError);
  const byControl = new Map();
  const unplaced = [];
  for (const error of errorsOf(result)) {
    const message = typeof error?.message === 'string' && error.message
      ? error.message : 'Something went wrong. Please try again.';
    // by the name the server gives only: a sentence's words could point at another control
    const control = error?.field ? fields.find(([name]) => name === error.field)?.[1] : null;
    if (!control) {
      unplaced.push(message);
      continue;
    }
    if (!byControl.has(control)) byControl.set(control, []);
    byControl.get(control).push(message);
  }
  let n = 0;
  for (const [control, messages] of byControl) {
    const p = document.createElement('p');
    p.className = PROBLEM_CLASS;
    p.id = `${control.id || control.name || 'field'}-problem-${n++}`;
    p.textContent = messages.join(' ');
    // after the control, or after the label a box sits in
    const anchor = control.type === 'checkbox' || control.type === 'radio'
      ? control.closest('label') ?? control : control;
    anchor.insertAdjacentElement('afterend', p);
    const described = control.getAttribute('aria-describedby');
    control.setAttribute('aria-describedby', described ? `${described} ${p.id}` : p.id);
    control.setAttribute('aria-invalid', 'true');
  }
  const marked = [...byControl.keys()];
  if (unplaced.length) say(formError, unplaced.join(' '));
  else if (marked.length > 1) say(formError, `Please check the ${marked.length} marked entries.`);
  else if (!marked.length) say(formError, 'Something went wrong. Please try again.');
  if (marked.length) marked[0].focus();
  return marked;
}

/** Clears a control's mark once the person changes it. */
export function clearMarkOnInput(form) {
  const clear = (event) => event.target.removeAttribute?.('aria-invalid');
  form.addEventListener('input', clear);
  form.addEventListener('change', clear);
}

/**
 * Runs fn with the form's controls disabled; focus, which a disabled button loses, goes
 * back to where it was (or to `fallback`) afterwards.
 */
export async function whileBusy(form, fallback, fn) {
  const had = document.activeElement;
  setBusy(form, true);
  try {
    return await fn();
  } finally {
    setBusy(form, false);
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost) (had && had !== document.body && had.isConnected ? had : fallback)?.focus();
  }
}
