/* calendar: the proleptic Gregorian calendar in whole days, in integer arithmetic only (no
 * struct tm, no TZ, no locale), for the schedule, the retention rule and licences' dates.
 * Day 0 is 1970-01-01; days before it are negative. */
#ifndef CONFIDE_CORE_CALENDAR_H
#define CONFIDE_CORE_CALENDAR_H
#include <stdint.h>

/* a / b rounded towards minus infinity (b > 0). */
int64_t calendar_floor_div(int64_t a, int64_t b);
/* The day number of a date (month 1-12, day 1-31; not checked: see calendar_days_in_month). */
int64_t calendar_days_from_civil(int64_t year, int month, int day);
/* The date of a day number. */
void calendar_civil_from_days(int64_t days, int64_t *year, int *month, int *day);
int calendar_is_leap(int64_t year);
/* Days in a month (1-12) of a year: 28-31. */
int calendar_days_in_month(int64_t year, int month);

#endif
