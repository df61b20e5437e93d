// The meeting's WebSocket (/ws, subprotocol confide.v1, docs/PROTOCOL.md): one JSON object
// per message, reconnecting with backoff (1 s, 2 s, 4 s … 15 s) until told to stop, and a
// small heartbeat so a connection that died silently (a phone changing networks) is noticed.
//
// With several confide nodes, each meeting is carried by one of them: a node that does not
// carry it answers a join with `moved` and the node's URL (a path on this origin, through
// the proxy), and the socket goes there. A node that cannot be reached is left for the
// practice's own address for a while, whichever node answers there: when a node dies, the
// meeting moves to a live one once its lease runs out (docs/ARCHITECTURE.md, "Several nodes").

const HEARTBEAT_MS = 20000; // send a ping this often …
const ANSWER_MS = 10000; // … and give up on the connection when nothing comes back in this time
const MAX_DELAY_MS = 15000;
const DEAD_NODE_MS = 15000; // a node that could not be reached is not tried again this long
const ELSEWHERE_RETRY_MS = 1000; // sent to such a node: ask the practice's address again after

export class MeetingSocket {
  /**
   * handlers: open() after each connection opens; message(msg) for each message;
   * lost(delayMs) when the connection is gone and another try is planned.
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.ws = null;
    this.failures = 0;
    this.stopped = false;
    this.retryTimer = 0;
    this.beatTimer = 0;
    this.answerTimer = 0;
    this.nodeUrl = null; // the node carrying the meeting; null: the practice's own address
    this.deadNode = null;
    this.deadAt = 0;
    this.onOnline = () => {
      if (!this.ws && !this.stopped) this.connectNow();
    };
    window.addEventListener('online', this.onOnline);
  }

  get open() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect() {
    this.stopped = false;
    this.connectNow();
  }

  connectNow() {
    clearTimeout(this.retryTimer);
    this.retryTimer = 0;
    if (this.ws) return;
    const url = `${(this.nodeUrl ?? location.origin).replace(/^http/, 'ws')}/ws`;
    let opened = false;
    let ws;
    try {
      ws = new WebSocket(url, 'confide.v1');
    } catch {
      this.gone();
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      opened = true;
      this.beat();
      this.handlers.open();
    });
    ws.addEventListener('message', (event) => {
      if (this.ws !== ws) return;
      this.heard();
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg && typeof msg.type === 'string') this.handlers.message(msg);
    });
    ws.addEventListener('close', () => {
      if (this.ws !== ws) return;
      if (!opened && this.nodeUrl) {
        // that node is not there (it died): the practice's address reaches one that is
        this.deadNode = this.nodeUrl;
        this.deadAt = Date.now();
        this.nodeUrl = null;
        this.reconnectAfter(0);
        return;
      }
      this.gone();
    });
  }

  /**
   * The server says another node carries the meeting: reconnect there (what was asked is
   * the caller's to repeat when the connection opens). Only within this page's origin.
   */
  moveTo(url) {
    let target;
    try {
      target = new URL(url, location.origin);
    } catch {
      return;
    }
    if (target.origin !== location.origin) return;
    const base = target.href.replace(/\/+$/, '');
    const unreachable = base === this.deadNode && Date.now() - this.deadAt < DEAD_NODE_MS;
    this.nodeUrl = unreachable || base === location.origin ? null : base;
    // to a node just found dead: its meeting moves once its lease runs out, so ask again soon
    this.reconnectAfter(unreachable ? ELSEWHERE_RETRY_MS : 0);
  }

  reconnectAfter(delay) {
    const ws = this.ws;
    this.ws = null;
    this.stopBeat();
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
    clearTimeout(this.retryTimer);
    if (!this.stopped) this.retryTimer = setTimeout(() => this.connectNow(), delay);
  }

  /** The connection works (the server answered sensibly): the next loss starts at 1 s again. */
  settled() {
    this.failures = 0;
  }

  /** Sends one message; false when there is no open connection. */
  send(msg) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  /** Closes for good: no reconnecting. */
  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopBeat();
    window.removeEventListener('online', this.onOnline);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  }

  gone() {
    const ws = this.ws;
    this.ws = null;
    this.stopBeat();
    if (ws && ws.readyState <= WebSocket.OPEN) {
      try {
        ws.close();
      } catch {
        // closing a broken connection may throw; it is gone either way
      }
    }
    if (this.stopped) return;
    const delay = Math.min(1000 * 2 ** this.failures, MAX_DELAY_MS);
    this.failures += 1;
    this.retryTimer = setTimeout(() => this.connectNow(), delay);
    this.handlers.lost(delay);
  }

  beat() {
    this.stopBeat();
    this.beatTimer = setInterval(() => {
      if (!this.send({ type: 'ping' })) return;
      if (!this.answerTimer) this.answerTimer = setTimeout(() => this.gone(), ANSWER_MS);
    }, HEARTBEAT_MS);
  }

  heard() {
    clearTimeout(this.answerTimer);
    this.answerTimer = 0;
  }

  stopBeat() {
    clearInterval(this.beatTimer);
    clearTimeout(this.answerTimer);
    this.beatTimer = 0;
    this.answerTimer = 0;
  }
}
