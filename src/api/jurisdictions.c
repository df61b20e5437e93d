/* The jurisdictions a client can say they are in and a practitioner can be licensed in
 * (practice/jurisdictions.h): public, as the join page asks "Where are you right now?"
 * before anyone signs in. The US states and DC first, then the countries, each
 * {"key","name"}. Nothing about anyone: no audit. */
#include "api/routes.h"
#include "practice/jurisdictions.h"

static void append(json_t *list, const struct jurisdiction *j, size_t n)
{
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s,s:s}", "key", j[i].key, "name", j[i].name));
}

void jurisdictions_list(struct api_call *call)
{
    size_t states, countries;
    const struct jurisdiction *us = jurisdictions_us_states(&states);
    const struct jurisdiction *world = jurisdictions_countries(&countries);
    json_t *list = json_array();
    append(list, us, states);
    append(list, world, countries);
    api_json(call, 200, list);
}
