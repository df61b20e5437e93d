/* qr: a QR code (libqrencode, error correction M) as an SVG document: one path of unit
 * squares on a white background with a quiet zone of 4 modules, so an authenticator app
 * can scan the otpauth:// URI off the screen. */
#ifndef CONFIDE_AUTH_QR_H
#define CONFIDE_AUTH_QR_H
#include "core/buf.h"

/* Appends the SVG for text to out; *width gets the symbol's width in modules. -1 when
 * libqrencode refused (text too long, out of memory). */
int qr_svg(const char *text, struct buf *out, int *width);

#endif
