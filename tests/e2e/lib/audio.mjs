// What the audio tests share: a browser whose pages answer without RED, and what a page
// receives of each person's voice (from getStats(), by the tile that plays it).

// The browser `b`, for a person whose page answers subscribe offers without RED (as a
// receiver that cannot take it would): its audio transceivers prefer every codec but RED.
export function refusingRed(b) {
  return {
    async newContext(options) {
      const context = await b.newContext(options);
      await context.addInitScript(() => {
        const createAnswer = RTCPeerConnection.prototype.createAnswer;
        RTCPeerConnection.prototype.createAnswer = function (...args) {
          const codecs = RTCRtpReceiver.getCapabilities('audio').codecs
            .filter((c) => c.mimeType !== 'audio/red');
          for (const t of this.getTransceivers()) {
            if (t.receiver.track.kind === 'audio' && !t.stopped) t.setCodecPreferences(codecs);
          }
          return createAnswer.apply(this, args);
        };
      });
      return context;
    },
  };
}

// Per tile ("Video of <name>"): the inbound audio's packets received and lost, samples
// played and concealed so far.
export async function voices(page) {
  return page.evaluate(async () => {
    const byTrack = new Map();
    for (const pc of window.testPcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') byTrack.set(s.trackIdentifier, s);
      });
    }
    const out = {};
    for (const video of document.querySelectorAll('#video-tiles video')) {
      const a = video.srcObject?.getAudioTracks().find((t) => t.readyState === 'live');
      const s = a ? byTrack.get(a.id) : null;
      if (!s) continue;
      out[video.getAttribute('aria-label')] = { packets: s.packetsReceived, lost: s.packetsLost,
        samples: s.totalSamplesReceived ?? 0, concealed: s.concealedSamples ?? 0 };
    }
    return out;
  });
}

// The change between two readings of voices() for one tile.
export function between(a, b) {
  const out = {};
  for (const k of Object.keys(b)) out[k] = b[k] - (a?.[k] ?? 0);
  return out;
}
