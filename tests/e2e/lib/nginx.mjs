// Debian's nginx as a throw-away reverse proxy for one test file: its own prefix directory,
// pid and temp paths, on a loopback port; the test gives the `http` block's contents.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';

// The proxy settings every confide location needs: the client's address set (never
// appended), the scheme, and WebSockets upgraded (with `map $http_upgrade
// $connection_upgrade` in the http block: UPGRADE_MAP).
export const PROXIED = `proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;`;
export const UPGRADE_MAP = "map $http_upgrade $connection_upgrade { default upgrade; '' close; }";

export async function waitForPort(port, proc, what) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`${what} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Starts nginx in dir listening on port (which httpBlock's server uses); resolves once it
// accepts connections. stop() ends it gracefully.
export async function startNginx(dir, port, httpBlock) {
  // as root, nginx's workers would become nobody, who cannot use the private temp dir
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  writeFileSync(path.join(dir, 'nginx.conf'), `${user}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${httpBlock}
}
`);
  const proc = spawn(NGINX, ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf')],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    await waitForPort(port, proc, 'nginx');
  } catch (err) {
    let log = '';
    try { log = readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { /* none */ }
    proc.kill('SIGKILL');
    throw new Error(`${err.message}:\n${stderr}\n${log}`);
  }
  return {
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGQUIT'); // a graceful stop
        await exited;
      }
    },
  };
}
