#include "auth/qr.h"

#include <qrencode.h>

#define QUIET 4

int qr_svg(const char *text, struct buf *out, int *width)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return -1;
    int w = qr->width, size = w + 2 * QUIET;
    buf_printf(out,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
               "height=\"%d\" shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
               "fill=\"#fff\"/><path fill=\"#000\" d=\"",
               size, size, size * 6, size * 6, size, size);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (qr->data[y * w + x] & 1)
                buf_printf(out, "M%d %dh1v1h-1z", x + QUIET, y + QUIET);
    buf_puts(out, "\"/></svg>");
    *width = w;
    QRcode_free(qr);
    return 0;
}
