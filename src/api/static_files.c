#include "api/static_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATIC_MAX_BYTES (8 * 1024 * 1024)

/* Pages the client navigates to by name. */
static const struct {
    const char *path, *file;
} pages[] = {
    {"/", "index.html"},
    {"/setup", "setup.html"},
    {"/dashboard", "dashboard.html"},
    {"/admin", "admin.html"},
    {"/check", "check.html"},
    {"/invite", "invite.html"}, /* the invitation's token is in the fragment, never sent */
    {"/j/", "join.html"}, /* a joined personal link: the tab keeps the token, not the address */
    {"/messages", "messages.html"}, /* a client's secure messages; a link's token in the fragment */
};

/* Pages reached through a personal link: the token stays in the path for the page's
 * script to read, and never reaches a log line (the route is logged, not the path). */
static const struct {
    const char *prefix, *file;
} link_pages[] = {
    {"/j/", "join.html"},
    {"/m/", "join.html"}, /* a signed-in therapist joining by session id */
    {"/p/", "poll.html"},
    {"/i/", "interest.html"}, /* a group's interest link: the form to ask for a place */
};

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".ogg", "audio/ogg"},
    {".wav", "audio/wav"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *type_for(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

/* Letters, digits, '-', '_', '.', '/'; no segment starting with a dot (so no ".."). */
static int safe_name(const char *name)
{
    if (!*name || strlen(name) > 200)
        return 0;
    char prev = '/';
    for (const char *p = name; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '/';
        if (!ok || (prev == '/' && (c == '.' || c == '/')))
            return 0;
        prev = c;
    }
    return 1;
}

static int read_file(const char *web_dir, const char *name, struct buf *out)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", web_dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_BYTES) {
        close(fd);
        return -ENOENT;
    }
    buf_reset(out);
    char chunk[16384];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        buf_append(out, chunk, (size_t)n);
    close(fd);
    if (!out->data)
        buf_puts(out, "");
    return n < 0 ? -EIO : 0;
}

static void json_error(struct api_response *resp, int status, const char *code, const char *message)
{
    resp->status = status;
    resp->content_type = "application/json";
    buf_reset(&resp->body);
    buf_printf(&resp->body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, message);
}

void static_files_serve(const char *web_dir, const struct api_request *req,
                        struct api_response *resp)
{
    resp->route = "static";
    resp->cache_control = "no-cache";
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        resp->headers[0].name = "allow:";
        snprintf(resp->headers[0].value, sizeof resp->headers[0].value, "GET, HEAD");
        resp->header_count = 1;
        json_error(resp, 405, "method_not_allowed", "This method is not allowed here.");
        return;
    }
    const char *name = NULL;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (strcmp(req->path, pages[i].path) == 0)
            name = pages[i].file;
    for (size_t i = 0; !name && i < sizeof link_pages / sizeof link_pages[0]; i++) {
        size_t n = strlen(link_pages[i].prefix);
        if (strncmp(req->path, link_pages[i].prefix, n) == 0 && req->path[n] &&
            strlen(req->path + n) <= 64 && !strchr(req->path + n, '/'))
            name = link_pages[i].file;
    }
    if (!name)
        name = req->path + 1;
    const char *type = safe_name(name) ? type_for(name) : NULL;
    if (type && read_file(web_dir, name, &resp->body) == 0) {
        resp->status = 200;
        resp->content_type = type;
        return;
    }
    resp->route = "not_found";
    if (read_file(web_dir, "404.html", &resp->body) == 0) {
        resp->status = 404;
        resp->content_type = "text/html; charset=utf-8";
        return;
    }
    json_error(resp, 404, "not_found", "There is nothing at this address.");
}
