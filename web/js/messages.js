// The client's secure messages: /messages. A link from an email carries a one-time token
// in the fragment (#…), which never reaches a server's log; the page trades it for this
// device's sign-in (an HttpOnly cookie of its own) and takes it out of the address.
import { api, errorMessage } from './api.js';
import { $, el, ready, say, setBusy } from './ui.js';
import { createInboxCheckins } from './inbox-checkins.js';

const practice = $('practice');
const status = $('inbox-status');
const problem = $('inbox-problem');
const threadView = $('thread-view');
const linkView = $('link-view');
const thread = $('thread');
const threadEmpty = $('thread-empty');
const withWhom = $('with-whom');
const announcementsPart = $('announcements-part');
const announcements = $('announcements');
const replyForm = $('reply-form');
const replyText = $('reply-text');
const replyError = $('reply-error');
const availability = $('availability');
const signOut = $('sign-out');
const linkForm = $('link-form');
const linkEmail = $('new-link-email');
const linkError = $('link-error');

const checkins = createInboxCheckins({
  part: $('checkins-part'),
  crisisText: () => $('crisis-text-a').textContent,
  onSignedOut: () => load(),
});

const when = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric',
  month: 'short', hour: '2-digit', minute: '2-digit' });

function messageItem(m, mine, who) {
  const li = el('li', mine ? 'message mine' : 'message');
  li.append(el('p', 'message-meta', `${who} · ${when.format(new Date(m.created_at))}`),
    el('p', 'message-body', m.body));
  return li;
}

function showPractice(data) {
  if (!data?.practice_name) return;
  practice.textContent = data.practice_name;
  document.title = `Your messages · ${data.practice_name}`;
  for (const id of ['crisis-text-a', 'crisis-text-b']) $(id).textContent = data.crisis_resources;
}

function showThread(data) {
  showPractice(data);
  withWhom.textContent = `Between you and ${data.practitioner}.`;
  thread.replaceChildren(...data.messages.map((m) => messageItem(m, m.from === 'client',
    m.from === 'client' ? 'You' : data.practitioner)));
  threadEmpty.hidden = data.messages.length > 0;
  announcementsPart.hidden = data.announcements.length === 0;
  announcements.replaceChildren(...data.announcements.map((a) => messageItem(a, false, a.group)));
  say(availability, data.availability ? `${data.practitioner}: ${data.availability}` : '');
  checkins.show(data.checkins ?? null);
  threadView.hidden = false;
  linkView.hidden = true;
}

function showLinkForm(data) {
  showPractice(data);
  threadView.hidden = true;
  linkView.hidden = false;
}

async function load() {
  const result = await api('GET', '/api/v1/inbox');
  if (result.status !== 200) {
    say(problem, errorMessage(result, 'Your messages could not be loaded. Please try again.'));
    return;
  }
  if (result.data.signed_in) showThread(result.data);
  else showLinkForm(result.data);
}

async function redeem(token) {
  // the token leaves the address at once: not in history, not in a bookmark
  history.replaceState(null, '', location.pathname);
  const result = await api('POST', '/api/v1/inbox/redeem', { token });
  if (result.status !== 200) {
    say(problem, errorMessage(result, 'This link could not be used. Ask for a new one below.'));
  }
}

replyForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  say(replyError, '');
  const body = replyText.value;
  if (!body.trim()) {
    say(replyError, 'Write your message first.');
    replyText.focus();
    return;
  }
  setBusy(replyForm, true);
  const result = await api('POST', '/api/v1/inbox/messages', { body });
  setBusy(replyForm, false);
  if (result.status !== 201) {
    say(replyError, errorMessage(result, 'Your message could not be sent. Please try again.'));
    if (result.status === 401) await load();
    return;
  }
  replyText.value = '';
  say(status, 'Your message was sent.');
  await load();
});

signOut.addEventListener('click', async () => {
  signOut.disabled = true;
  const result = await api('POST', '/api/v1/inbox/sign-out');
  signOut.disabled = false;
  if (result.status !== 204 && result.status !== 401) {
    say(problem, errorMessage(result, 'Signing out did not work. Please try again.'));
    return;
  }
  say(status, 'This device is signed out of your messages.');
  await load();
});

linkForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  say(linkError, '');
  setBusy(linkForm, true);
  const result = await api('POST', '/api/v1/inbox/new-link', { email: linkEmail.value.trim() });
  setBusy(linkForm, false);
  if (result.status !== 202) {
    say(linkError, errorMessage(result, 'That did not work. Please try again.'));
    return;
  }
  say(status, result.data.message);
});

(async () => {
  const token = location.hash.length > 1 ? decodeURIComponent(location.hash.slice(1)) : '';
  if (token) await redeem(token);
  await load();
  ready();
})();
