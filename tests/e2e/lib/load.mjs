// What the load generators share (tests/e2e/soak.mjs, bench/api.mjs): one JSON request on
// a keep-alive agent, answered as { status, headers, json, text }, with no timeout of its
// own (the caller bounds it) and no retry.
import http from 'node:http';

export function jsonRequest({ host = '127.0.0.1', port, agent, method, path, body, headers = {} }) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const all = { ...headers };
    if (data) Object.assign(all, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
    const req = http.request({ host, port, path, method, agent, headers: all }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, json, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}
