// "More" in the meeting's control bar on a phone: the controls used less often wait behind
// it, so that the bar leaves the screen to the video. Pressing one of them closes the panel
// again (its action is done); so do Escape and a second press of More. On a wider screen
// the CSS shows every control and hides More, and this does nothing visible.
export function createMore({ bar, button, panel }) {
  const set = (open) => {
    bar.classList.toggle('is-open', open);
    button.setAttribute('aria-expanded', String(open));
  };
  button.addEventListener('click', () => set(button.getAttribute('aria-expanded') !== 'true'));
  panel.addEventListener('click', (event) => {
    if (event.target.closest('button')) set(false);
  });
  bar.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && bar.classList.contains('is-open')) {
      set(false);
      button.focus();
    }
  });
  return { close: () => set(false) };
}
