/* html: text written into an HTML page. */
#ifndef CONFIDE_CORE_HTML_H
#define CONFIDE_CORE_HTML_H
#include "core/buf.h"

/* s appended with < > & " ' written as character references, so it reads as text in an
 * element or in a quoted attribute value and never as markup. NULL appends nothing. */
void html_escape(struct buf *b, const char *s);

#endif
