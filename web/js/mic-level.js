// How loud a microphone is, once a frame, for a level meter: used by the device check and
// by the preview before a meeting.

/** A <meter> value (0 to 1) for a root-mean-square level: speech sits well under full scale,
 * so it is stretched for a normal voice to fill most of the bar. */
export function meterValue(rms) {
  return Math.min(1, rms * 4);
}

/** Calls `onLevel(rms)` every animation frame with the level of `track`; returns
 * { stop, resume } (resume: for a browser that holds audio until the person clicks), or
 * null where the browser has no Web Audio. */
export function watchLevel(track, onLevel) {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  if (!AudioContext || !track) return null;
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let frame = 0;
  const tick = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    onLevel(Math.sqrt(sum / samples.length));
    frame = requestAnimationFrame(tick);
  };
  frame = requestAnimationFrame(tick);
  return {
    stop() {
      cancelAnimationFrame(frame);
      context.close().catch(() => {});
    },
    resume() {
      context.resume().catch(() => {});
    },
  };
}
