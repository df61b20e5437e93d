// A small SMTP server for the end-to-end tests (node 20, no dependencies). It speaks just
// enough SMTP for libcurl and records every message it accepts:
//
//   220 greeting; EHLO -> 250-... / 250 8BITMIME (no STARTTLS, no AUTH, no PIPELINING);
//   HELO, NOOP, RSET -> 250; MAIL FROM -> 250; RCPT TO -> 250, or 550 for any address
//   that starts with "reject@"; DATA -> 354, the message up to "\r\n.\r\n" (dot-stuffing
//   undone) -> 250; QUIT -> 221; anything else -> 502.
//
// A message joins `messages` once the client moves on from it: its next command (MAIL,
// RSET, QUIT, ...) or closing the connection, after the 250 that accepted it. confide
// records a mail as sent before it moves on, so a test that kills confide as soon as
// waitFor() sees a message cannot catch it between the server's 250 and its own record.
// A message is never lost: one whose 250 went out is kept even if the connection then dies.
//
//   const sink = await startSmtpSink();            // any free port on 127.0.0.1
//   ... CONFIDE_SMTP_URL=smtp://127.0.0.1:${sink.port} ...
//   await sink.waitFor((msgs) => msgs.length >= 2, 10000);
//   sink.messages[0]  // { from, to: [...], data, receivedAt }
//   sink.commands     // every command's verb, in the order received: ['EHLO', 'MAIL', ...]
//   await sink.down(); await sink.up();            // an outage: connections refused meanwhile
//   await sink.stop();
//
// Options: port (0: any free one), delayMs (wait this long before every reply, so that
// sending takes a while; a connection that closes during a delay gets no more replies).
import net from 'node:net';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_BUFFER = 32 * 1024 * 1024;

function address(arg) {
  const m = /<([^>]*)>/.exec(arg);
  return m ? m[1] : arg.trim().split(/\s+/)[0] ?? '';
}

// Undoes dot-stuffing: a line that starts with "." lost one.
function unstuff(body) {
  return body.replace(/(^|\r\n)\./g, '$1');
}

// Where the message data in buf ends: {bodyEnd (after its last CRLF), next} or null.
function dataEnd(buf) {
  if (buf.length >= 3 && buf[0] === 0x2e && buf[1] === 0x0d && buf[2] === 0x0a) {
    return { bodyEnd: 0, next: 3 }; // an empty message
  }
  const i = buf.indexOf('\r\n.\r\n');
  return i < 0 ? null : { bodyEnd: i + 2, next: i + 5 };
}

export async function startSmtpSink({ port = 0, host = '127.0.0.1', delayMs = 0 } = {}) {
  const messages = [];
  const commands = [];
  const waiters = new Set();
  const sockets = new Set();
  let server = null;
  let boundPort = port;

  function notify() {
    for (const w of [...waiters]) {
      let done;
      try {
        done = w.predicate(messages);
      } catch (err) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.reject(err);
        continue;
      }
      if (done) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(messages);
      }
    }
  }

  function handle(socket) {
    sockets.add(socket);
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let mode = 'command';
    let from = null;
    let to = [];
    let accepted = null; // accepted with 250; published when the client moves on
    let busy = false;
    let closed = false;

    const publish = () => {
      if (!accepted) return;
      messages.push(accepted);
      accepted = null;
      notify();
    };
    const reply = async (text) => {
      if (delayMs > 0) await sleep(delayMs);
      if (closed || socket.destroyed) return false;
      socket.write(text);
      return true;
    };

    async function command(line) {
      const verb = line.slice(0, 4).toUpperCase();
      commands.push(verb);
      const arg = line.slice(line.indexOf(':') + 1);
      switch (verb) {
        case 'EHLO':
          return reply('250-smtp-sink\r\n250 8BITMIME\r\n');
        case 'HELO':
          return reply('250 smtp-sink\r\n');
        case 'MAIL':
          from = address(arg);
          to = [];
          return reply('250 2.1.0 ok\r\n');
        case 'RCPT': {
          if (from === null) return reply('503 5.5.1 MAIL first\r\n');
          const rcpt = address(arg);
          if (/^reject@/i.test(rcpt)) return reply('550 5.1.1 no such user\r\n');
          to.push(rcpt);
          return reply('250 2.1.5 ok\r\n');
        }
        case 'DATA':
          if (to.length === 0) return reply('503 5.5.1 RCPT first\r\n');
          mode = 'data';
          return reply('354 end with <CRLF>.<CRLF>\r\n');
        case 'RSET':
          from = null;
          to = [];
          return reply('250 2.0.0 ok\r\n');
        case 'NOOP':
          return reply('250 2.0.0 ok\r\n');
        case 'QUIT':
          await reply('221 2.0.0 bye\r\n');
          socket.end();
          return false;
        default:
          return reply('502 5.5.2 not implemented\r\n');
      }
    }

    // One command (or one message) at a time, in order, whatever the delays.
    async function pump() {
      if (busy) return;
      busy = true;
      try {
        while (!closed) {
          if (mode === 'data') {
            const end = dataEnd(buf);
            if (!end) break;
            const body = buf.subarray(0, end.bodyEnd).toString('utf8');
            buf = buf.subarray(end.next);
            mode = 'command';
            const msg = { from, to: [...to], data: unstuff(body), receivedAt: new Date() };
            from = null;
            to = [];
            if (await reply('250 2.0.0 queued\r\n')) accepted = msg;
            continue;
          }
          const nl = buf.indexOf('\n');
          if (nl < 0) break;
          const line = buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
          buf = buf.subarray(nl + 1);
          publish(); // the client has moved on from the message it last sent
          await command(line);
        }
      } finally {
        busy = false;
      }
    }

    socket.on('data', (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (buf.length > MAX_BUFFER) {
        socket.destroy();
        return;
      }
      pump();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      sockets.delete(socket);
      publish();
    });
    reply('220 smtp-sink ESMTP ready\r\n');
  }

  async function up() {
    if (server) return;
    const s = net.createServer(handle);
    await new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen({ port: boundPort, host, exclusive: true }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    boundPort = s.address().port;
    server = s;
  }

  async function down() {
    if (!server) return;
    const s = server;
    server = null;
    const closedServer = new Promise((resolve) => s.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closedServer;
  }

  async function stop() {
    await down();
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('smtp sink stopped'));
    }
    waiters.clear();
  }

  function waitFor(predicate, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const w = { predicate, resolve, reject, timer: null };
      w.timer = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`smtp sink: condition not met within ${timeoutMs} ms (${messages.length} message(s))`));
      }, timeoutMs);
      waiters.add(w);
      notify();
    });
  }

  await up();
  return { port: boundPort, messages, commands, stop, down, up, waitFor };
}
