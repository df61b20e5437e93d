// Form helpers the dashboard's two forms share.
import { setBusy } from './ui.js';

/**
 * The control an API error is about, so it can be marked and focused: the error's
 * `field` when it names one, else a field named in its message; `fields` is a list of
 * [apiName, control, words…].
 */
export function fieldOfError(error, fields) {
  const named = fields.find(([name]) => name === error?.field);
  if (named) return named[1];
  const text = String(error?.message ?? '');
  for (const [name, control] of fields) {
    if (text.includes(`"${name}"`)) return control;
  }
  const lower = text.toLowerCase();
  for (const [, control, ...words] of fields) {
    if (words.some((w) => lower.includes(w))) return control;
  }
  return null;
}

/** Marks one control as the one with the problem, and moves focus there. */
export function markInvalid(form, control) {
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  if (!control) return;
  control.setAttribute('aria-invalid', 'true');
  control.focus();
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
