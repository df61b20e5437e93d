// Audio and video in the meeting, through confide's own media server. The page publishes
// its camera and microphone on one RTCPeerConnection (it offers, the server answers) and
// receives everyone else on a second one (the server offers whenever people come and go,
// the page answers). Each other person gets a tile: a <video> labelled "Video of <name>"
// that also plays their voice. The self-view is muted and can be hidden.
import { $, say } from './ui.js';
import { el } from './meeting-dom.js';
import { pcConfig, publishOffer, subscribeAnswer } from './media-transport.js';
import { startCamera, stopCamera } from './meeting-camera.js';
import { createStage } from './meeting-stage.js';
import { cameraConstraints, microphoneConstraints, withChoice } from './meeting-choice.js';

export const PAUSED_TEXT = 'Video paused to keep audio clear';
// a tile's size goes to the server (`view`) at most this often, and only when it changed
const VIEW_SETTLE_MS = 300;


const REPUBLISH_MS = 2000;
// ICE restart in place (new credentials, same DTLS session, same SSRCs, no new transport)
// when a connection stays `disconnected` this long, or at once when the network changes;
// not more often than every RESTART_GAP_MS per connection.
const DISCONNECTED_MS = 2000;
const RESTART_GAP_MS = 5000;

export function createMedia({ send, session, nameOf, screen }) {
  const stage = $('video-stage');
  const tilesList = $('video-tiles');
  const selfBox = $('self-view');
  const selfVideo = $('self-video');
  const selfToggle = $('self-view-toggle');
  const problem = $('media-problem');
  const arrangement = createStage({ self: () => session.me?.id });

  let local = null; // MediaStream from the camera and microphone
  let pub = null; // the publish RTCPeerConnection
  let sub = null; // the subscribe RTCPeerConnection
  let subTracks = new Map(); // mid → { participant, kind }
  let chain = Promise.resolve(); // subscribe offers are answered one at a time
  let running = false;
  let starting = null;
  let republishTimer = 0;
  const lastRestart = { pub: -Infinity, sub: -Infinity };
  const tiles = new Map(); // participant → { li, video, stream, caption, quality, paused, view }
  let people = new Map(); // participant → { audio, video } from the last room message
  const levels = new Map(); // participant → 'good' | 'fair' | 'poor' (the server's `quality`)
  let wantAudio = true;
  let wantVideo = true;
  let audioOnly = false; // the server's word for oneself (or the join form's, until then)
  let iceServers = []; // from the last `ice_servers` message

  function tell(text) {
    say(problem, text);
  }

  // ---- publishing ----

  async function openDevices() {
    if (!navigator.mediaDevices?.getUserMedia) {
      tell('This browser cannot use a camera or microphone here. You can still see and hear the others.');
      return null;
    }
    try {
      return await withChoice((exact) => navigator.mediaDevices.getUserMedia({
        audio: microphoneConstraints(undefined, exact),
        video: audioOnly ? false : cameraConstraints(undefined, exact),
      }));
    } catch (err) {
      // the camera may be missing or refused while the microphone works: try audio alone
      try {
        const audioOnly = await navigator.mediaDevices.getUserMedia({ audio: true });
        tell('Your camera could not be started, so the others hear you but do not see you.');
        return audioOnly;
      } catch {
        tell(err?.name === 'NotAllowedError'
          ? 'Your camera and microphone are blocked for this page. Allow them in the browser\u2019s address bar, then reload. You can still see and hear the others.'
          : 'Your camera and microphone could not be started. You can still see and hear the others.');
        return null;
      }
    }
  }

  function applyWanted() {
    for (const t of local?.getAudioTracks() ?? []) t.enabled = wantAudio;
    for (const t of local?.getVideoTracks() ?? []) t.enabled = wantVideo;
    selfBox.classList.toggle('camera-off', !wantVideo);
  }

  async function publish() {
    if (!running || !local) return;
    clearTimeout(republishTimer);
    pub?.close();
    const pc = new RTCPeerConnection(pcConfig(iceServers));
    pub = pc;
    pc.addEventListener('connectionstatechange', () => {
      if (pc === pub && pc.connectionState === 'failed') schedulePublish();
    });
    watchIce(pc, () => pc === pub, () => restartPublish());
    const sdp = await publishOffer(pc, local, { simulcast: true });
    if (pc !== pub) return;
    send({ type: 'publish', sdp });
  }

  // `disconnected` for DISCONNECTED_MS (the path stopped answering; ICE may still find it
  // again by itself, hence the wait): restart ICE on this connection.
  function watchIce(pc, current, restart) {
    let timer = 0;
    pc.addEventListener('iceconnectionstatechange', () => {
      clearTimeout(timer);
      if (current() && pc.iceConnectionState === 'disconnected') {
        timer = setTimeout(() => { if (current() && pc.iceConnectionState === 'disconnected') restart(); },
          DISCONNECTED_MS);
      }
    });
  }

  function mayRestart(which) {
    const now = performance.now();
    if (now - lastRestart[which] < RESTART_GAP_MS) return false;
    lastRestart[which] = now;
    return true;
  }

  // The same publish transport with new ICE credentials: the server answers as for a
  // publish, or says publish_lost when the transport is gone (then a new one is made).
  async function restartPublish() {
    const pc = pub;
    if (!running || !pc || pc.signalingState !== 'stable' || !mayRestart('pub')) return;
    pc.restartIce();
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    if (pc !== pub) return;
    send({ type: 'publish', ice_restart: true, sdp: pc.localDescription.sdp });
  }

  // The server renews its credentials on the receiving transport and offers them.
  function restartSubscribe() {
    if (!running || !sub || !mayRestart('sub')) return;
    send({ type: 'subscribe_restart', ice_restart: true });
  }

  function networkChanged() {
    restartPublish().catch(() => schedulePublish());
    restartSubscribe();
  }
  navigator.connection?.addEventListener?.('change', networkChanged);
  window.addEventListener('online', networkChanged);

  function schedulePublish() {
    clearTimeout(republishTimer);
    republishTimer = setTimeout(() => { publish().catch(() => schedulePublish()); }, REPUBLISH_MS);
  }

  async function publishAnswer(msg) {
    if (!pub || pub.signalingState !== 'have-local-offer') return;
    await pub.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
  }

  // ---- receiving ----

  function tileFor(participant) {
    let tile = tiles.get(participant);
    if (tile) return tile;
    const li = el('li', 'video-tile');
    li.dataset.participant = String(participant);
    const video = el('video');
    video.autoplay = true;
    video.playsInline = true;
    const caption = el('p', 'video-name');
    const off = el('p', 'video-off', 'Camera off');
    const quality = el('p', 'video-quality');
    const paused = el('p', 'video-paused');
    paused.hidden = true;
    li.append(video, off, caption, quality, paused);
    const stream = new MediaStream();
    video.srcObject = stream;
    tile = { li, video, stream, caption, quality, off, paused, view: null };
    tiles.set(participant, tile);
    tilesList.append(li);
    nameTile(participant, tile);
    watchSize(participant, tile);
    return tile;
  }

  // The tile's size in device pixels goes to the server, which then sends no larger a
  // layer of this person's video than the tile shows; on layout changes only, settled.
  const resizes = typeof ResizeObserver === 'function' ? new ResizeObserver((entries) => {
    for (const entry of entries) {
      for (const [participant, tile] of tiles) if (tile.video === entry.target) scheduleView(participant, tile);
    }
  }) : null;

  function watchSize(participant, tile) {
    resizes?.observe(tile.video);
    scheduleView(participant, tile);
  }

  function scheduleView(participant, tile) {
    clearTimeout(tile.viewTimer);
    tile.viewTimer = setTimeout(() => sendView(participant, tile), VIEW_SETTLE_MS);
  }

  function sendView(participant, tile, force = false) {
    if (tiles.get(participant) !== tile) return;
    const ratio = window.devicePixelRatio || 1;
    // a hidden tile counts as the smallest: it needs no more than the lowest layer
    const width = Math.min(16384, Math.max(1, Math.round(tile.video.clientWidth * ratio)));
    const height = Math.min(16384, Math.max(1, Math.round(tile.video.clientHeight * ratio)));
    if (!force && tile.view?.width === width && tile.view?.height === height) return;
    tile.view = { width, height };
    send({ type: 'view', participant, width, height });
  }

  function nameTile(participant, tile) {
    const name = nameOf(participant);
    const person = people.get(participant);
    tile.video.setAttribute('aria-label', `Video of ${name}`);
    tile.caption.textContent = person?.audio === false ? `${name} (muted)` : name;
    // audio only, theirs or one's own: no video either way, and the tile says so
    const noVideo = audioOnly || person?.audio_only === true;
    tile.off.textContent = noVideo ? 'Audio only' : 'Camera off';
    tile.li.classList.toggle('camera-off', person?.video === false || noVideo);
    // in words (colour only repeats it); known only to hosts for others' tiles
    const level = levels.get(participant);
    tile.quality.textContent = level ? `Connection: ${level}` : '';
    tile.quality.dataset.level = level ?? '';
  }

  function removeTile(participant) {
    const tile = tiles.get(participant);
    if (!tile) return;
    clearTimeout(tile.viewTimer);
    resizes?.unobserve(tile.video);
    tile.video.srcObject = null;
    tile.li.remove();
    tiles.delete(participant);
  }

  function showStage() {
    stage.hidden = false;
    stage.classList.toggle('alone', tiles.size === 0);
  }

  function newSubscriber() {
    sub?.close();
    const pc = new RTCPeerConnection(pcConfig(iceServers));
    sub = pc;
    // the network changed under it: ask for a fresh receiving transport rather than wait
    // for the server to notice
    pc.addEventListener('connectionstatechange', () => {
      if (pc === sub && pc.connectionState === 'failed') send({ type: 'subscribe_restart' });
    });
    watchIce(pc, () => pc === sub, restartSubscribe);
    pc.addEventListener('track', (event) => {
      const info = subTracks.get(event.transceiver.mid);
      if (!info || pc !== sub) return;
      if (info.source === 'screen') return screen?.track(info.participant, event.track);
      const tile = tileFor(info.participant);
      for (const old of tile.stream.getTracks()) {
        if (old.kind === event.track.kind) tile.stream.removeTrack(old);
      }
      tile.stream.addTrack(event.track);
      tile.video.play().catch(() => {}); // autoplay: the join click already allowed it
      showStage();
    });
    return pc;
  }

  async function answerOffer(msg) {
    if (!running) return;
    if (msg.reset || !sub) newSubscriber();
    subTracks = new Map((msg.tracks ?? []).map((t) => [t.mid, t]));
    screen?.offered(msg.tracks ?? []);
    const live = new Set((msg.tracks ?? []).filter((t) => t.source !== 'screen').map((t) => t.participant));
    for (const participant of [...tiles.keys()]) if (!live.has(participant)) removeTile(participant);
    await sub.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    // the tracks of a section that was offered before and is live again: rebind them
    for (const tr of sub.getTransceivers()) {
      const info = subTracks.get(tr.mid);
      if (!info || !tr.receiver.track) continue;
      if (info.source === 'screen') {
        screen?.track(info.participant, tr.receiver.track);
        continue;
      }
      const tile = tileFor(info.participant);
      if (!tile.stream.getTracks().includes(tr.receiver.track)) {
        for (const old of tile.stream.getTracks()) {
          if (old.kind === tr.receiver.track.kind) tile.stream.removeTrack(old);
        }
        tile.stream.addTrack(tr.receiver.track);
      }
    }
    send({ type: 'subscribe_answer', sdp: await subscribeAnswer(sub), version: msg.version });
    showStage();
  }

  function subscribeOffer(msg) {
    chain = chain.then(() => answerOffer(msg)).catch(() => {
      tell('The video of the others could not be set up. Reload the page to try again.');
    });
  }

  // ---- the page's life ----

  async function begin() {
    local = await openDevices();
    if (!running) {
      for (const t of local?.getTracks() ?? []) t.stop();
      local = null;
      return;
    }
    if (local) {
      if (audioOnly) stopCamera(null, local); // chosen while the devices were opening
      selfVideo.srcObject = local;
      selfBox.hidden = !local.getVideoTracks().length;
      applyWanted();
      await publish();
    }
    showStage();
  }

  // Audio only on: the camera stops (the server has stopped forwarding it already); off: it
  // opens again on the same connection, or on a new one when this one has no video.
  function setAudioOnly(on) {
    if (on === audioOnly) return;
    audioOnly = on;
    if (!local) return; // the devices are still opening: begin() looks again
    if (on) {
      stopCamera(pub, local);
      selfBox.hidden = true;
      return;
    }
    withChoice((exact) => startCamera(pub, local, cameraConstraints(undefined, exact))).then((carried) => {
      if (audioOnly) return stopCamera(pub, local); // on again meanwhile
      selfVideo.srcObject = local;
      selfBox.hidden = false;
      applyWanted();
      if (!carried) publish().catch(() => schedulePublish());
      return undefined;
    }).catch(() => tell('Your camera could not be started again. The others still hear you.'));
  }

  selfToggle.addEventListener('click', () => {
    const hidden = selfBox.classList.toggle('minimised');
    selfToggle.textContent = hidden ? 'Show self-view' : 'Hide self-view';
    selfToggle.setAttribute('aria-pressed', String(hidden));
  });

  return {
    /** The join form's choice, before `start`: no camera at all while audio only. */
    preferAudioOnly(on) {
      if (!running) audioOnly = on;
    },
    /** The camera and microphone chosen before coming in (sent as `media` too): they hold
     * from the first frame, until the room says otherwise. */
    preferDevices(want) {
      if (running) return;
      wantAudio = want.audio !== false;
      wantVideo = want.video !== false;
    },
    /** Admitted: open the camera and microphone and publish them. */
    start() {
      if (running) return;
      running = true;
      starting = begin().catch(() => {
        tell('Your camera and microphone could not be shared. You can still see and hear the others.');
      });
    },
    /** The connection came back with a new socket: everything starts again. */
    restart() {
      if (!running) return;
      sub?.close();
      sub = null;
      subTracks = new Map();
      for (const participant of [...tiles.keys()]) removeTile(participant);
      if (starting) starting.then(() => publish().catch(() => schedulePublish()));
    },
    stop() {
      running = false;
      clearTimeout(republishTimer);
      pub?.close();
      sub?.close();
      pub = sub = null;
      for (const t of local?.getTracks() ?? []) t.stop();
      local = null;
      selfVideo.srcObject = null;
      for (const participant of [...tiles.keys()]) removeTile(participant);
      stage.hidden = true;
    },
    publishAnswer(msg) {
      publishAnswer(msg).catch(() => schedulePublish());
    },
    publishLost() {
      schedulePublish();
    },
    subscribeOffer,
    /** Someone's connection is good, fair or poor: their tile says so. */
    quality(msg) {
      if (!['good', 'fair', 'poor'].includes(msg.level) || !Number.isInteger(msg.participant)) return;
      levels.set(msg.participant, msg.level);
      const tile = tiles.get(msg.participant);
      if (tile) nameTile(msg.participant, tile);
    },
    /** The server paused someone's video to us (our connection cannot carry it), or resumed
     * it: their tile says so in words. */
    videoPaused(msg) {
      if (!Number.isInteger(msg.participant)) return;
      const tile = msg.paused ? tileFor(msg.participant) : tiles.get(msg.participant);
      if (!tile) return;
      tile.paused.textContent = msg.paused ? PAUSED_TEXT : '';
      tile.paused.hidden = !msg.paused;
      tile.li.classList.toggle('video-paused-tile', Boolean(msg.paused));
    },
    /** Which of our simulcast layers anyone receives: the others stop being encoded. */
    layers(msg) {
      if (!Array.isArray(msg.active)) return;
      const sender = pub?.getSenders().find((s) => s.track?.kind === 'video');
      if (!sender) return;
      const params = sender.getParameters();
      if (!params.encodings || params.encodings.length < 2) return;
      let changed = false;
      for (const enc of params.encodings) {
        const active = !enc.rid || msg.active.includes(enc.rid);
        if (enc.active !== active) {
          enc.active = active;
          changed = true;
        }
      }
      if (changed) sender.setParameters(params).catch(() => {});
    },
    /** Fresh TURN credentials; the next RTCPeerConnections use them. */
    iceServers(msg) {
      if (Array.isArray(msg.ice_servers)) iceServers = msg.ice_servers;
    },
    /** The room changed: names on the tiles, and one's own microphone and camera. */
    room(msg) {
      const me = msg.participants.find((p) => p.id === session.me?.id);
      if (me) {
        wantAudio = me.audio !== false;
        wantVideo = me.video !== false;
        applyWanted();
        setAudioOnly(me.audio_only === true);
      }
      people = new Map(msg.participants.map((p) => [p.id, p]));
      arrangement.spotlight(msg.spotlight ?? null);
      for (const [participant, tile] of tiles) nameTile(participant, tile);
    },
    /** The loudest voice changed: outlined and said on its tile, large in speaker view. */
    activeSpeaker(msg) {
      arrangement.heard(msg.participant ?? 0);
    },
    /** The live camera ('video') or microphone ('audio') track being sent, or null. */
    localTrack(kind) {
      return local?.getTracks().find((t) => t.kind === kind && t.readyState === 'live') ?? null;
    },
    /** Another camera or microphone (the settings' choice): `track` takes the place of the
     * one of its kind, in the stream and on the publishing connection's sender (no new
     * negotiation), on or off as the room says; then the old one ends. False, with `track`
     * stopped, when nothing of that kind is being sent (no camera while audio only). */
    async replaceTrack(track) {
      const old = running ? this.localTrack(track.kind) : null;
      if (!old) {
        track.stop();
        return false;
      }
      track.enabled = track.kind === 'audio' ? wantAudio : wantVideo;
      local.removeTrack(old);
      local.addTrack(track);
      // a publish under way took the tracks the stream had: look at the connection now
      const senders = pub?.getSenders().filter((s) => s.track === old) ?? [];
      try {
        await Promise.all(senders.map((s) => s.replaceTrack(track)));
      } catch {
        schedulePublish(); // the sender would not take it: publish the stream afresh
      }
      old.stop();
      return true;
    },
    /** An SDP problem the server reported. */
    problem(text) {
      tell(text);
    },
  };
}
