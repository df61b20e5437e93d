#!/usr/bin/python3
"""Standalone WebRTC publisher on GStreamer's webrtcbin, for confide's end-to-end tests.

A second, independent WebRTC stack: it publishes a VP8 test pattern and an Opus sine
tone. Signalling belongs to the caller, as JSON lines:
  stdout  {"type":"offer","sdp":...}   once, after ICE gathering completed (non-trickle)
          {"type":"state","ice"|"connection"|"gathering":...}   on each change
          {"type":"error","message":...}
  stdin   {"type":"answer","sdp":...}   once
It exits 0 when stdin closes, on SIGTERM/SIGINT or after --seconds N (default 120).

Run it with Debian's interpreter (/usr/bin/python3): python3-gi is not in other Pythons.
"""
import argparse
import json
import os
import signal
import sys
import threading

# Until the main loop takes SIGTERM over, it still means "exit 0 now".
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

import gi  # noqa: E402

gi.require_version('Gst', '1.0')
gi.require_version('GstWebRTC', '1.0')
gi.require_version('GstSdp', '1.0')
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

# The caps filters name clock-rate/media/encoding-name/payload explicitly: webrtcbin
# builds the offer's m-lines from the caps on its sink pads and refuses incomplete ones.
PIPELINE = '''
webrtcbin name=wb bundle-policy=max-bundle latency=100
videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1
  ! videoconvert ! queue max-size-buffers=2 leaky=downstream
  ! vp8enc deadline=1 target-bitrate=500000 keyframe-max-dist=60 cpu-used=8 error-resilient=partitions
  ! rtpvp8pay pt=96 mtu=1200 picture-id-mode=15-bit
  ! application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000 ! wb.
audiotestsrc is-live=true wave=sine volume=0.3 ! audioconvert ! audioresample
  ! queue max-size-buffers=4 leaky=downstream ! opusenc bitrate=32000
  ! rtpopuspay pt=111 mtu=1200
  ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000 ! wb.
'''

out_lock = threading.Lock()
# GLib prints debug messages (G_MESSAGES_DEBUG, libnice's NICE_DEBUG) on stdout: keep the
# real stdout for our JSON lines alone and point fd 1 at stderr for everything else.
out = os.fdopen(os.dup(1), 'w', buffering=1)
os.dup2(2, 1)


def emit(obj):
    with out_lock:
        out.write(json.dumps(obj) + '\n')
        out.flush()


def enum_nick(value):
    return value.value_nick if hasattr(value, 'value_nick') else str(value)


class Publisher:
    def __init__(self, loop, host_addresses):
        self.loop = loop
        self.offered = False
        self.answered = False
        self.pipe = Gst.parse_launch(PIPELINE)
        self.wb = self.pipe.get_by_name('wb')
        # webrtcbin never sinks its GstWebRTCICE, so PyGObject takes over the floating
        # ref: keep the wrapper alive for good or the ICE agent is freed under webrtcbin.
        try:
            self.ice = self.wb.get_property('ice-agent')
            # libnice may try UPnP-IGD port mappings on a closed network: slow, pointless.
            self.ice.get_property('agent').set_property('upnp', False)
            # The SFU speaks ICE over UDP only; TCP candidates would just clutter the offer.
            self.ice.set_property('ice-tcp', False)
            # libnice skips loopback when any other interface is up, and pins each host
            # socket to its interface (IP_UNICAST_IF), so a 192.0.2.x socket cannot reach
            # 127.0.0.1: a peer on loopback needs a loopback candidate of our own.
            # Listing addresses replaces libnice's own choice of interfaces.
            for addr in host_addresses:
                self.ice.emit('add-local-ip-address', addr)
        except Exception as err:  # older/newer GStreamer without these properties
            emit({'type': 'error', 'message': 'ICE agent setup: %s' % err})
        # Request pads (linked above) already made SENDRECV transceivers; we only send.
        # (get-transceivers returns a GArray PyGObject cannot iterate: index instead.)
        idx = 0
        while (tr := self.wb.emit('get-transceiver', idx)) is not None:
            tr.set_property('direction', GstWebRTC.WebRTCRTPTransceiverDirection.SENDONLY)
            idx += 1
        self.wb.connect('on-negotiation-needed', self.on_negotiation_needed)
        for prop in ('ice-connection-state', 'connection-state', 'ice-gathering-state'):
            self.wb.connect('notify::' + prop, self.on_state)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect('message::error', self.on_bus_error)

    def start(self):
        if self.pipe.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            emit({'type': 'error', 'message': 'pipeline failed to start'})
            self.loop.quit()

    def stop(self):
        self.pipe.set_state(Gst.State.NULL)

    def on_bus_error(self, _bus, msg):
        err, dbg = msg.parse_error()
        emit({'type': 'error', 'message': '%s (%s)' % (err.message, dbg)})
        self.loop.quit()

    def on_negotiation_needed(self, _wb):
        if self.offered:
            return
        self.offered = True
        promise = Gst.Promise.new_with_change_func(self.on_offer_created, None)
        self.wb.emit('create-offer', None, promise)

    def on_offer_created(self, promise, _data):
        reply = promise.get_reply()
        offer = reply.get_value('offer') if reply else None
        if offer is None:
            emit({'type': 'error', 'message': 'create-offer failed: %s' % reply})
            GLib.idle_add(self.loop.quit)
            return
        self.wb.emit('set-local-description', offer, Gst.Promise.new())
        # Gathering may already be complete (or finish later): check either way.
        GLib.idle_add(self.maybe_send_offer)

    def on_state(self, wb, pspec):
        value = enum_nick(wb.get_property(pspec.name))
        key = {'ice-connection-state': 'ice', 'connection-state': 'connection',
               'ice-gathering-state': 'gathering'}[pspec.name]
        emit({'type': 'state', key: value})
        if key == 'gathering':
            GLib.idle_add(self.maybe_send_offer)

    def maybe_send_offer(self):
        # Non-trickle: the peer (ICE-lite SFU or a browser) gets one offer, candidates
        # included; webrtcbin writes gathered candidates into its local description.
        if self.offered is not True:
            return False
        state = self.wb.get_property('ice-gathering-state')
        desc = self.wb.get_property('local-description')
        if state != GstWebRTC.WebRTCICEGatheringState.COMPLETE or desc is None:
            return False
        self.offered = 'sent'
        emit({'type': 'offer', 'sdp': desc.sdp.as_text()})
        return False

    def on_answer(self, text):
        if self.answered:
            emit({'type': 'error', 'message': 'second answer ignored'})
            return False
        res, sdpmsg = GstSdp.SDPMessage.new_from_text(text)
        if res != GstSdp.SDPResult.OK:
            emit({'type': 'error', 'message': 'answer SDP does not parse'})
            return False
        self.answered = True
        answer = GstWebRTC.WebRTCSessionDescription.new(GstWebRTC.WebRTCSDPType.ANSWER, sdpmsg)
        promise = Gst.Promise.new_with_change_func(self.on_answer_set, text)
        self.wb.emit('set-remote-description', answer, promise)
        return False

    def on_answer_set(self, promise, text):
        reply = promise.get_reply()
        if reply is not None and reply.has_field('error'):
            emit({'type': 'error', 'message': 'set-remote-description: %s' % reply.get_value('error')})
            return
        # An ICE-lite peer never sends checks of its own, so its candidates must reach
        # libnice. webrtcbin 1.22 does take a=candidate lines from the remote SDP; adding
        # them again explicitly costs nothing (libnice merges duplicates) and keeps this
        # working where it would not. max-bundle: every m-line shares the first one's
        # transport, so index 0 carries them all.
        bundled = 'a=group:BUNDLE' in text
        mline, seen = -1, set()
        for line in text.splitlines():
            if line.startswith('m='):
                mline += 1
            elif line.startswith('a=candidate:') and mline >= 0:
                cand = line[2:].strip()
                if cand not in seen:
                    seen.add(cand)
                    self.wb.emit('add-ice-candidate', 0 if bundled else mline, cand)
        emit({'type': 'state', 'remoteCandidates': len(seen)})


def read_stdin(loop, pub):
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            GLib.idle_add(emit, {'type': 'error', 'message': 'bad JSON line'})
            continue
        if msg.get('type') == 'answer' and isinstance(msg.get('sdp'), str):
            GLib.idle_add(pub.on_answer, msg['sdp'])
        else:
            GLib.idle_add(emit, {'type': 'error', 'message': 'unexpected message %r' % msg.get('type')})
    GLib.idle_add(loop.quit)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seconds', type=float, default=120)
    ap.add_argument('--host-address', action='append', default=[], metavar='IP',
                    help='gather host candidates on this address only (repeatable); '
                         'pass 127.0.0.1 to reach a peer on loopback')
    args = ap.parse_args()
    Gst.init(None)
    loop = GLib.MainLoop()
    pub = Publisher(loop, args.host_address)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, lambda *_: (loop.quit(), False)[1])
    GLib.timeout_add(int(args.seconds * 1000), lambda: (loop.quit(), False)[1])
    threading.Thread(target=read_stdin, args=(loop, pub), daemon=True).start()
    pub.start()
    loop.run()
    # Bound the teardown: a wedged DTLS/ICE shutdown must not outlive the 2 s budget.
    threading.Timer(1.0, lambda: os._exit(0)).start()
    pub.stop()
    out.flush()
    # Skip interpreter teardown: PyGObject finalising webrtcbin's ICE objects prints
    # GLib criticals at exit, and nothing is left to clean up.
    os._exit(0)


if __name__ == '__main__':
    main()
