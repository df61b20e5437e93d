/* clock: the only place that reads the time. State machines take `now` as an argument. */
#ifndef CONFIDE_CORE_CLOCK_H
#define CONFIDE_CORE_CLOCK_H
#include <stdint.h>

int64_t clock_wall_ms(void);  /* milliseconds since the Unix epoch */
int64_t clock_mono_ms(void);  /* monotonic milliseconds, for durations */
int64_t clock_mono_us(void);
/* Formats a Unix time in ms as RFC 3339 UTC ("2026-01-02T03:04:05Z") into out[32]. */
void clock_format_rfc3339(int64_t wall_ms, char out[32]);

#endif
