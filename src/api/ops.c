/* GET /healthz and GET /metrics: for the practice admin's monitoring. */
#include "api/routes.h"
#include "core/metrics.h"

void ops_healthz(struct api_call *call)
{
    if (store_ping(call->ctx->store) < 0) {
        api_error(call, 503, "store_unavailable", "The database is not reachable.");
        return;
    }
    api_json(call, 200, json_pack("{s:s}", "status", "ok"));
}

void ops_metrics(struct api_call *call)
{
    struct api_response *resp = call->resp;
    buf_reset(&resp->body);
    metrics_render(&resp->body);
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
