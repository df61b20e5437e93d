// Screen sharing in the meeting (docs/PROTOCOL.md, "Sharing a screen"). A shared screen is a
// source of its own: the sharer's page publishes it on a third RTCPeerConnection (`publish`
// with `source: "screen"`, one video track, no simulcast), and everyone else receives it as
// one more video section, listed with `source: "screen"` in their subscribe offer. It shows
// large above the tiles, labelled "<name>'s screen" (the sharer sees "Your screen").
//
// The server decides who may share (hosts always, clients when a host ticked "Let clients
// share their screen") and that only one screen is shared at a time; its refusals come as
// `error` with a `screen_…` code and are shown like any other problem. Stopping, by the
// button or the browser's own "Stop sharing" (the track ends), sends `screen_stop`.
import { $ } from './ui.js';
import { pcConfig, publishOffer } from './media-transport.js';

export function createScreen({ send, nameOf, complain }) {
  const button = $('screen-button');
  const permission = $('clients-share');
  const stage = $('screen-stage');
  const video = $('screen-video');
  const caption = $('screen-caption');

  let iceServers = [];
  let pc = null; // our share's publish RTCPeerConnection
  let stream = null; // what getDisplayMedia gave us
  let answered = false; // the server took our share: ours is the meeting's screen
  let remote = null; // { participant, stream }: someone else's screen, as received
  let shown = null; // { participant, stream } on the stage (ours: participant 0)

  function setButton() {
    button.textContent = stream ? 'Stop sharing' : 'Share screen';
    button.setAttribute('aria-pressed', String(Boolean(stream)));
  }

  function label() {
    const text = shown.participant ? `${nameOf(shown.participant)}'s screen` : 'Your screen';
    caption.textContent = text;
    video.setAttribute('aria-label', text);
  }

  // Ours once the server took it, else someone else's, else nothing.
  function render() {
    const want = stream && answered ? { participant: 0, stream } : remote;
    if (!want) {
      shown = null;
      video.srcObject = null;
      stage.hidden = true;
      return;
    }
    if (shown?.stream !== want.stream) {
      video.srcObject = want.stream;
      video.play().catch(() => {});
    }
    shown = want;
    label();
    stage.hidden = false;
  }

  // Ours ends here (and, unless the server ended it, at the server: tell = true).
  function stopOwn(tell) {
    if (!stream) return;
    const had = stream;
    stream = null;
    pc?.close();
    pc = null;
    for (const t of had.getTracks()) t.stop();
    answered = false;
    render();
    if (tell) send({ type: 'screen_stop' });
    setButton();
  }

  async function start() {
    if (!navigator.mediaDevices?.getDisplayMedia) {
      complain('This browser cannot share a screen.');
      return;
    }
    let display;
    try {
      display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch {
      return; // the person chose nothing, or the browser refused: nothing to say
    }
    const track = display.getVideoTracks()[0];
    if (!track) {
      for (const t of display.getTracks()) t.stop();
      return;
    }
    // text and lines stay sharp: the encoder keeps the resolution and gives up frames first
    track.contentHint = 'detail';
    for (const t of display.getAudioTracks()) t.stop();
    stopOwn(true); // a share already under way is replaced by this one
    stream = new MediaStream([track]);
    answered = false;
    track.addEventListener('ended', () => { if (stream?.getVideoTracks()[0] === track) stopOwn(true); });
    const conn = new RTCPeerConnection(pcConfig(iceServers));
    pc = conn;
    conn.addEventListener('connectionstatechange', () => {
      if (conn === pc && conn.connectionState === 'failed') {
        stopOwn(true);
        complain('Your screen share lost its connection and has stopped.');
      }
    });
    setButton();
    const sdp = await publishOffer(conn, stream);
    if (conn !== pc) return;
    send({ type: 'publish', source: 'screen', sdp });
  }

  button.addEventListener('click', () => {
    if (stream) stopOwn(true);
    else start().catch(() => { stopOwn(true); complain('Your screen could not be shared.'); });
  });

  permission?.addEventListener('change', () => {
    send({ type: 'clients_share', on: permission.checked });
  });

  setButton();

  return {
    /** Fresh TURN credentials, as for the camera's connections. */
    iceServers(msg) {
      if (Array.isArray(msg.ice_servers)) iceServers = msg.ice_servers;
    },
    /** The server's answer to our share's offer. */
    publishAnswer(msg) {
      if (!pc || pc.signalingState !== 'have-local-offer') return;
      answered = true;
      render();
      pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp }).catch(() => stopOwn(true));
    },
    /** The server refused our share (screen_not_allowed, screen_busy): it never started. */
    refused() {
      stopOwn(false);
    },
    /** The server ended our share (the host took the permission back, its transport was
     * lost); msg.message says why. */
    stopped(msg) {
      stopOwn(false);
      if (msg.message) complain(msg.message);
    },
    /** Someone else's screen arrived on the receiving connection. */
    track(participant, track) {
      if (remote?.participant === participant && remote.stream.getTracks().includes(track)) return;
      remote = { participant, stream: new MediaStream([track]) };
      render();
    },
    /** The sections of a new subscribe offer: a screen no longer among them is gone. */
    offered(tracks) {
      if (remote && !tracks.some((t) => t.source === 'screen' && t.participant === remote.participant)) {
        remote = null;
        render();
      }
    },
    /** The room: names, and whether clients may share. */
    room(msg) {
      if (permission) permission.checked = msg.clients_share === true;
      if (shown) label();
    },
    /** The page starts over (a new socket) or leaves: the server has dropped our share. */
    reset() {
      stopOwn(false);
      remote = null;
      render();
    },
  };
}
