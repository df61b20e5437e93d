// The camera alone, stopped and started again on a publishing RTCPeerConnection without a
// new negotiation: what "Audio only" (docs/PROTOCOL.md, `audio_only`) does to one's own
// sending. Stopped, the track ends (the camera's light goes off) and the video sender sends
// nothing; started, a new camera track takes the same sender, or, when the connection was
// made without video, the caller publishes afresh.

// 960 × 540: browsers send three simulcast layers from this size up (240, 480, 960 wide).
// The preview before the meeting opens the camera at this size too: a browser that still
// holds the preview's capture when the meeting asks again hands over that format, and a
// smaller one would leave the top layer unsent.
export const CAMERA = { width: { ideal: 960 }, height: { ideal: 540 }, frameRate: { ideal: 24 } };

// The video section's sender: its receiver's track says the kind even with no track sent.
function videoSender(pc) {
  const transceiver = pc?.getTransceivers()
    .find((t) => t.receiver.track?.kind === 'video' && !t.stopped);
  return transceiver?.sender ?? null;
}

/** Ends the camera's tracks in `stream` and empties the video sender of `pc` (may be null). */
export function stopCamera(pc, stream) {
  for (const track of stream?.getVideoTracks() ?? []) {
    track.stop();
    stream.removeTrack(track);
  }
  videoSender(pc)?.replaceTrack(null).catch(() => {});
}

/** Opens the camera into `stream` again. True when `pc` carries it now; false when `pc`
 * has no video section (then publish `stream` afresh). */
export async function startCamera(pc, stream, constraints) {
  const camera = await navigator.mediaDevices.getUserMedia({ video: constraints });
  const track = camera.getVideoTracks()[0];
  if (!track) return false;
  stream.addTrack(track);
  const sender = videoSender(pc);
  if (!sender) return false;
  await sender.replaceTrack(track);
  return true;
}
