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

/** Adds every track of `stream` to `pc` (sendonly) and returns the offer for `publish`. */
export async function publishOffer(pc, stream) {
  for (const track of stream.getTracks()) {
    pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
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
