// Tiny DOM helpers for the meeting page. Text always goes in through textContent.

import { el } from './ui.js';

export { el };

/** Text only screen readers hear, e.g. the name after "Admit" on a per-person button. */
export function hiddenText(text) {
  return el('span', 'visually-hidden', text);
}

/** Sets a button's visible label and the words only screen readers hear after it. */
export function label(button, visible, spoken = '') {
  const parts = [document.createTextNode(visible)];
  if (spoken) parts.push(hiddenText(` ${spoken}`));
  button.replaceChildren(...parts);
}

/** A button that stays focusable while it does nothing (aria-disabled, not disabled). */
export function setInactive(button, inactive) {
  if (inactive) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

export function inactive(button) {
  return button.getAttribute('aria-disabled') === 'true';
}

/** A plain button. */
export function button(className, onClick) {
  const b = el('button', `button ${className}`);
  b.type = 'button';
  b.addEventListener('click', (event) => {
    if (!inactive(b)) onClick(event);
  });
  return b;
}

/** Puts children into a list in order, moving existing nodes only when needed (keeps focus). */
export function arrange(list, nodes) {
  const keep = new Set(nodes);
  for (const child of [...list.children]) if (!keep.has(child)) child.remove();
  nodes.forEach((node, i) => {
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] ?? null);
  });
}
