/* Fuzzes what billing will read from forms: diagnosis codes, CPT codes, civil dates,
 * jurisdiction keys, where a client said they were, and the code picker's search. What
 * each accepts must come back the same when given its own stored form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "practice/codes.h"
#include "practice/jurisdictions.h"
#include "practice/licences.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[128];
    if (size >= sizeof text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    char code[ICD10_CODE_MAX], again[ICD10_CODE_MAX];
    if (icd10_normalise(text, code) == 0 &&
        (icd10_normalise(code, again) < 0 || strcmp(code, again) != 0))
        abort();
    (void)icd10_lookup(text);
    const struct icd10_entry *found[8];
    size_t matched = icd10_search(text, found, 8);
    size_t listed;
    icd10_common(&listed);
    if (matched > listed)
        abort();

    if (cpt_valid(text) && strlen(text) != 5)
        abort();
    (void)cpt_seed_lookup(text);

    int32_t day, day_again;
    char date[CIVIL_DATE_LEN];
    if (civil_date_parse(text, &day) == 0) {
        civil_date_format(day, date);
        if (civil_date_parse(date, &day_again) < 0 || day_again != day)
            abort();
    }

    char key[JURISDICTION_KEY_MAX], key_again[JURISDICTION_KEY_MAX];
    if (jurisdiction_normalise(text, key) == 0 &&
        (jurisdiction_normalise(key, key_again) < 0 || strcmp(key, key_again) != 0 ||
         !jurisdiction_find(key)))
        abort();

    int where = client_location_parse(text);
    if (where >= 0 && strcmp(client_location_name((enum client_location)where), text) != 0)
        abort();
    return 0;
}
