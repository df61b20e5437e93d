/* static_files: the web client's files from web_dir, for GET and HEAD. Only plain names
 * with a known type are served; nothing outside web_dir can be named. */
#ifndef CONFIDE_API_STATIC_FILES_H
#define CONFIDE_API_STATIC_FILES_H
#include "api/api.h"

void static_files_serve(const char *web_dir, const struct api_request *req,
                        struct api_response *resp);

#endif
