// Two confide nodes on one PostgreSQL database send one outbox to a real SMTP sink: a burst
// of 30 invitations, one node killed with -9 in the middle of its share, and every client
// gets their invitation exactly once. The dead node's claims lapse and the other node
// sends what it had not (src/mail/outbox.h). Runs only with the throw-away cluster
// (CONFIDE_TEST_PG_DIR, tests/CMakeLists.txt: e2e_mail_nodes_pg).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cookieOf, request, setupAdmin, startServer } from './lib/server.mjs';
import { startSmtpSink } from './lib/smtp-sink.mjs';
import { parseMail } from './lib/mail.mjs';

const PG_DIR = process.env.CONFIDE_TEST_PG_DIR;
const PG_BIN = '/usr/lib/postgresql/15/bin';
const MEMBERS_PER_GROUP = 15; // a group holds at most 16
const TOTAL = 2 * MEMBERS_PER_GROUP;
// src/mail/outbox.h: MAIL_CLAIM_LEASE_SECONDS (90), then a poll (1 s) and the sending
const ALL_DELIVERED_MS = 150000;

function psql(db, sql) {
  const r = spawnSync(`${PG_BIN}/psql`, ['-h', PG_DIR, '-U', 'postgres', '-d', db, '-At', '-c', sql],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

function client(server, cookie) {
  const call = (method, p, body) => request(server, method, p, { body, headers: { cookie } });
  return { post: (p, b) => call('POST', p, b ?? {}) };
}

const sentBy = (sink, node) => sink.messages.filter((m) => m.from === `${node}@practice.example`);

describe('mail with two nodes on one database', { skip: !PG_DIR && 'needs CONFIDE_TEST_PG_DIR' }, () => {
  let sink, a, b, dir, db;

  before(async () => {
    // slow enough per reply that a node's share of the burst takes seconds to send
    sink = await startSmtpSink({ delayMs: 60 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'confide-mail-nodes-'));
    db = `e2e_mail_nodes_${process.pid}`;
    const made = spawnSync(`${PG_BIN}/createdb`, ['-h', PG_DIR, '-U', 'postgres', db], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const node = (id) => ({
      args: ['--node-id', id, '--key-file', path.join(dir, 'secret.key')],
      env: {
        CONFIDE_DATABASE_URL: `postgresql:///${db}?host=${PG_DIR}&user=postgres`,
        CONFIDE_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
        CONFIDE_SMTP_STARTTLS: 'off',
        CONFIDE_SMTP_FROM: `${id}@practice.example`, // the envelope sender tells the nodes apart
        CONFIDE_MAIL_POLL_SECONDS: '1',
        CONFIDE_MAIL_RETRY_SECONDS: '1',
      },
    });
    a = await startServer(node('node-a'));
    b = await startServer(node('node-b'));
  });

  after(async () => {
    for (const s of [a, b]) {
      if (!s) continue;
      await s.stop();
      s.cleanup();
    }
    await sink?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('30 invitations in a burst, one node killed mid-way: each client gets theirs once', { timeout: 240000 }, async () => {
    const api = client(a, await setupAdmin(a));
    const clients = [];
    for (let i = 0; i < TOTAL; i++) {
      const res = await api.post('/api/v1/clients', {
        name: `Client ${i}`, email: `client${i}@mail.example`, time_zone: 'Europe/Berlin',
      });
      assert.equal(res.status, 201, res.text);
      clients.push(res.json.client);
    }
    const groups = [];
    for (let g = 0; g < 2; g++) {
      const members = clients.slice(g * MEMBERS_PER_GROUP, (g + 1) * MEMBERS_PER_GROUP);
      const res = await api.post('/api/v1/groups', {
        name: `Group ${g}`, agreement: 'What is said here stays here.', capacity: 16,
        members: members.map((m) => m.id),
      });
      assert.equal(res.status, 201, res.text);
      groups.push(res.json.group);
    }
    assert.equal(sink.messages.length, 0);

    // the burst: two sessions, one right after the other, 15 invitations each
    for (const [g, group] of groups.entries()) {
      const res = await api.post('/api/v1/sessions', {
        title: `Group ${g}`, starts_at: `2027-06-0${3 + g}T19:00:00+02:00`, time_zone: 'Europe/Berlin',
        group_id: group.id, duration_minutes: 90,
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.json.session.invites.length, MEMBERS_PER_GROUP);
    }

    // node-a has delivered some of its share, not all: kill it. A message is in the
    // sink's list only once node-a moved on from it (its next MAIL), after recording it
    // sent, so the kill lands while node-a waits for the sink, never between a 250 and
    // its record.
    await sink.waitFor((msgs) => sentBy({ messages: msgs }, 'node-a').length >= 3, 30000);
    const killed = await a.kill9();
    assert.equal(killed.signal, 'SIGKILL');
    const deliveredByA = sentBy(sink, 'node-a').length;
    const leftByA = Number(psql(db, "SELECT count(*) FROM outbox WHERE state = 'sending' AND claimed_by = 'node-a'"));
    assert.ok(leftByA > 0, 'node-a died holding claims it had not sent');
    assert.ok(sink.messages.length < TOTAL, 'the kill came before the burst was out');

    // node-b sends its share, then node-a's once node-a's claims lapse
    await sink.waitFor((msgs) => msgs.length >= TOTAL, ALL_DELIVERED_MS);
    await new Promise((r) => setTimeout(r, 3000)); // nothing more comes
    assert.equal(sink.messages.length, TOTAL, 'no mail twice');

    const byRecipient = new Map();
    const byMessageId = new Map();
    for (const m of sink.messages) {
      assert.equal(m.to.length, 1);
      byRecipient.set(m.to[0], (byRecipient.get(m.to[0]) ?? 0) + 1);
      const id = parseMail(m.data).messageId;
      assert.ok(id, 'every mail has a Message-ID');
      byMessageId.set(id, (byMessageId.get(id) ?? 0) + 1);
    }
    for (const c of clients) assert.equal(byRecipient.get(c.email), 1, 'one invitation per client');
    assert.equal(byRecipient.size, TOTAL);
    assert.equal(byMessageId.size, TOTAL);
    assert.ok([...byMessageId.values()].every((n) => n === 1), 'each Message-ID once');
    assert.ok(sentBy(sink, 'node-b').length >= leftByA, 'node-b sent what node-a left');

    assert.equal(psql(db, "SELECT count(*) FROM outbox WHERE state = 'sending'"), '0');
    assert.equal(psql(db, "SELECT count(*) FROM outbox WHERE state = 'sent'"), String(TOTAL));
    console.log(`node-a delivered ${deliveredByA} and left ${leftByA} claimed; node-b delivered ${sentBy(sink, 'node-b').length}`);
  });
});
