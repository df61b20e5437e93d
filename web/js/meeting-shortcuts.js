// Keyboard shortcuts in the meeting and the "Help" dialog that lists them. A shortcut clicks
// the button it stands for, so the button's own code (and the room's state behind it) stays
// the one owner of what happens. Shortcuts never fire while one types (chat, a field, a
// list), with Ctrl, Alt or Cmd held, or while a dialog is open; Escape closes the dialogs
// (they are modal <dialog>s).
import { $ } from './ui.js';

// key → the button it clicks
const KEYS = { m: 'mute-button', v: 'video-button', h: 'hand-button' };

function typing(target) {
  return target instanceof Element
    && (target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])') !== null);
}

export function createShortcuts() {
  const view = $('meeting-view');
  const help = $('help-dialog');

  // screen readers announce the key with the button
  for (const [key, id] of Object.entries(KEYS)) $(id)?.setAttribute('aria-keyshortcuts', key.toUpperCase());
  $('help-button').setAttribute('aria-keyshortcuts', '?');

  // it opens at its top (its heading focused), not scrolled down to its Close button
  function openHelp() {
    if (help.open) return;
    help.showModal();
    $('help-heading').focus();
  }

  $('help-button').addEventListener('click', openHelp);

  document.addEventListener('keydown', (event) => {
    if (view.hidden || event.defaultPrevented || event.repeat || event.isComposing) return;
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
    if (document.querySelector('dialog[open]')) return;
    if (event.key === '?') {
      event.preventDefault();
      openHelp();
      return;
    }
    const id = KEYS[event.key.toLowerCase()];
    const target = id ? $(id) : null;
    if (!target || target.hidden || target.disabled) return;
    event.preventDefault();
    target.click();
  });
}
