// What the meeting page (meeting-media.js) and the device check (check.js) share of
// confide's media transports (docs/PROTOCOL.md, "Audio and video"): the RTCPeerConnection
// settings the server needs, the publish offer (the page offers, the server answers) and the
// answer to a subscribe offer (the server offers, the page answers).

const PC_CONFIG = { bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' };

// The practice's TURN server with short-lived credentials, when the server sends them
// (`ice_servers`): the browser then also gathers relay candidates, so audio and video get
// through networks that block UDP to the media server. Without them, no ICE servers at all.
export function pcConfig(iceServers) {
  return iceServers.length ? { ...PC_CONFIG, iceServers } : PC_CONFIG;
}

// Simulcast (RFC 8853): the camera as three layers, lowest first, each named by its RID.
// The server forwards to each viewer the one their connection and tile size call for, and
// says (`layers`) which ones anyone receives. A server or browser without simulcast answers
// or sends one stream, which works the same.
export const SIMULCAST_LAYERS = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

/** Adds every track of `stream` to `pc` (sendonly) and returns the offer for `publish`;
 * with `simulcast`, video goes as SIMULCAST_LAYERS. */
export async function publishOffer(pc, stream, { simulcast = false } = {}) {
  for (const track of stream.getTracks()) {
    const init = { direction: 'sendonly', streams: [stream] };
    if (simulcast && track.kind === 'video') {
      try {
        pc.addTransceiver(track, { ...init, sendEncodings: SIMULCAST_LAYERS.map((l) => ({ ...l })) });
        continue;
      } catch {
        // a browser that refuses the encodings sends one stream
      }
    }
    pc.addTransceiver(track, init);
  }
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  return pc.localDescription.sdp;
}

/** The answer for `subscribe_answer`, once the server's offer is pc's remote description. */
export async function subscribeAnswer(pc) {
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  return pc.localDescription.sdp;
}
