// A WebSocket client for the /ws protocol: next(type) waits for the next message of a type
// (messages of other types are kept for later), none(type, ms) checks that none came.
import WebSocket from 'ws';

// origin: the page's origin, when the server is reached at another public_url (a proxy)
export function connect(server, { cookie, origin } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, ['confide.v1'], {
      origin: origin ?? server.url, headers: cookie ? { cookie } : {},
    });
    const inbox = [];
    const waiters = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      inbox.push(msg);
      for (const w of [...waiters]) w();
    });
    ws.closed = new Promise((r) => ws.on('close', r));
    ws.json = (msg) => ws.send(JSON.stringify(msg));
    // the next message of `type` (any type when omitted) that has not been taken yet
    ws.next = (type, timeoutMs = 5000) => new Promise((res, rej) => {
      const take = () => {
        const i = inbox.findIndex((m) => !type || m.type === type);
        if (i < 0) return false;
        const [m] = inbox.splice(i, 1);
        res(m);
        return true;
      };
      if (take()) return;
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1);
        rej(new Error(`no ${type} message within ${timeoutMs} ms; got ${JSON.stringify(inbox.map((m) => m.type))}`));
      }, timeoutMs);
      const check = () => { if (take()) { clearTimeout(timer); waiters.splice(waiters.indexOf(check), 1); } };
      waiters.push(check);
    });
    // the next message of `type` for which pred(message) holds (earlier ones are skipped)
    ws.until = async (type, pred, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = await ws.next(type, Math.max(1, deadline - Date.now()));
        if (pred(m)) return m;
      }
    };
    // the latest message of a type received so far (without taking it)
    ws.latest = (type) => [...inbox].reverse().find((m) => m.type === type);
    ws.none = async (type, ms = 400) => {
      await new Promise((r) => setTimeout(r, ms));
      return !inbox.some((m) => m.type === type);
    };
    ws.drain = () => inbox.splice(0, inbox.length);
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
  });
}
