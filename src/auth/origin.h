/* origin: refuses state-changing requests that a browser sends from another site.
 * Browsers send Origin (and Sec-Fetch-Site) with every POST, PUT, PATCH and DELETE;
 * a request with neither comes from a program, not a page, and carries no ambient
 * credentials worth forging (the cookie is SameSite=Strict). */
#ifndef CONFIDE_AUTH_ORIGIN_H
#define CONFIDE_AUTH_ORIGIN_H

/* public_url: "scheme://host[:port]". Any header may be NULL. Returns 1 when allowed. */
int origin_allowed(const char *method, const char *origin, const char *sec_fetch_site,
                   const char *public_url);
/* For WebSocket upgrades, where Origin is what stops cross-site hijacking. */
int origin_matches(const char *origin, const char *public_url);

#endif
