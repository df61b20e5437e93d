// Makes a practice on a fresh confide and R group sessions of P clients each, no waiting
// room, for the load generator. Prints JSON: {"rooms":[{"password":…,"links":[token…]}]}.
// usage: node bench/setup.mjs URL SETUP_TOKEN ROOMS PARTICIPANTS
const [url, setupToken, roomsArg, partsArg] = process.argv.slice(2);
const R = Number(roomsArg), P = Number(partsArg);

async function call(method, p, body, cookie) {
  const headers = { 'content-type': 'application/json' };
  if (cookie) headers.cookie = cookie;
  const res = await fetch(url + p, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return { res, json: JSON.parse(text) };
}

const { res } = await call('POST', '/api/v1/setup', { setup_token: setupToken, name: 'Dr Bench',
  email: 'bench@practice.example', password: 'a long and quiet benchmark passphrase' });
const cookie = res.headers.get('set-cookie').split(';')[0];
const rooms = [];
let n = 0;
for (let r = 0; r < R; r++) {
  const clients = [];
  for (let i = 0; i < P; i++) {
    n++;
    clients.push((await call('POST', '/api/v1/clients', { name: `Bench ${n}`,
      email: `bench${n}@mail.example`, time_zone: 'UTC' }, cookie)).json.client);
  }
  const group = (await call('POST', '/api/v1/groups', { name: `Bench group ${r}`,
    agreement: 'Benchmark.', members: clients.map((c) => c.id) }, cookie)).json.group;
  const s = (await call('POST', '/api/v1/sessions', { title: `Bench ${r}`,
    starts_at: new Date(Date.now() + 5 * 60000).toISOString(), time_zone: 'UTC',
    duration_minutes: 240, group_id: group.id, allow_overlap: true,
    waiting_room: false }, cookie)).json.session;
  rooms.push({ password: s.occurrences[0].password,
    links: clients.map((c) => s.invites.find((i) => i.client_id === c.id).url.split('/j/')[1]) });
}
process.stdout.write(JSON.stringify({ rooms }) + '\n');
