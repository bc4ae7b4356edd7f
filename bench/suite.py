#!/usr/bin/env python3
"""Throughput suite of bench/run.sh: every proxy in front of the same backend, on loopback, in one run.

Starts an nginx backend (a small static file, HTTP/1.1 and HTTP/2 over TLS) and a Kestrel echo (bodies), then
bare YARP, nginx as a reverse proxy, HAProxy and the gateway (embedded: frontend and silo in one process), and
measures each configuration with wrk (HTTP/1.1, cleartext) and h2load (HTTP/2 over TLS): requests per second,
p50/p99/p999 latency, peak RSS and CPU time per request of the proxy's processes. Every configuration runs
several times, round-robin, so that a disturbance of the machine spoils one sample of each rather than all of
one; every sample is kept. Writes a JSON file that bench/report.py turns into RESULTS.md and the chart.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOTNET = shutil.which("dotnet") or "dotnet"
BARE_YARP = os.path.join(ROOT, "bench/BareYarp/bin/Release/net10.0/Gateway.Bench.BareYarp.dll")
BENCH_TOOL = os.path.join(ROOT, "bench/BenchTool/bin/Release/net10.0/BenchTool.dll")
FRONTEND = os.path.join(ROOT, "Frontend/bin/Release/net10.0/Gateway.Frontend.dll")
APP_KEY, APP_SECRET = "4700000000000001", "bench-secret-0123456789abcdef"
SIGNING_SECRET = "bench-backend-signing-secret-0123456789"
ISSUER, AUDIENCE, SUBJECT = "https://idp.bench.invalid", "api://bench", "bench-user"
PARAMS_QUERY = "?page=3&size=20&sort=asc&q=tea+cup&ratio=0.5&active=true"
PARAMS_HEADERS = {"X-Tenant": "acme", "X-Trace": "abc123", "X-Version": "2"}
BODY_BYTES = 4096


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Process:
    """A server process in its own process group, stopped with everything it started."""

    def __init__(self, name, argv, work, env=None):
        self.name = name
        self.log_path = os.path.join(work, f"{name}.log")
        self._log = open(self.log_path, "wb")
        self.popen = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
                                      env={**os.environ, **(env or {})})

    @property
    def pid(self):
        return self.popen.pid

    def stop(self):
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, 15)
                self.popen.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.popen.pid, 9)
                except ProcessLookupError:
                    pass
        self._log.close()


def process_tree(root):
    """The root and its descendants (nginx's workers), from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


def cpu_seconds(pids):
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / ticks


def context_switches(pids):
    """Voluntary and involuntary context switches so far, per thread of the processes."""
    counts = {}
    for pid in pids:
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/status") as f:
                    counts[task] = sum(int(line.split()[1]) for line in f
                                       if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")))
            except (OSError, ValueError):
                pass
    return counts


def switches_since(before, after):
    """The context switches between two readings: a thread that started in between counts from 0; one that ended is lost."""
    return sum(count - before.get(task, 0) for task, count in after.items())


class Sampler(threading.Thread):
    """Peak RSS of a process tree while a measurement runs (sampled every 100 ms)."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root, self.peak, self._finished = root, 0, threading.Event()

    def run(self):
        while not self._finished.is_set():
            self.peak = max(self.peak, rss_kib(process_tree(self.root)))
            self._finished.wait(0.1)

    def finish(self):
        self._finished.set()
        self.join()
        return self.peak


def wait_until(process, check, seconds=90):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        if process.popen.poll() is not None:
            break
        time.sleep(0.3)
    with open(process.log_path, errors="replace") as f:
        tail = f.read()[-3000:]
    raise SystemExit(f"{process.name} not ready after {seconds} s (exit code {process.popen.poll()}); its log ends:\n{tail}")


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def admin(port, method, path, document):
    status, body = http(method, f"http://127.0.0.1:{port}/v1{path}", json.dumps(document).encode(),
                        {"Content-Type": "application/json"})
    if status >= 300:
        raise SystemExit(f"admin {method} {path}: {status} {body[:500]!r}")


# ---------------------------------------------------------------------------------------------------- servers


def make_certificate(work):
    """One self-signed P-256 certificate for every TLS listener, for localhost and 127.0.0.1."""
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    with open(os.path.join(work, "combined.pem"), "w") as f:  # HAProxy wants both in one file
        f.write(open(cert).read() + open(key).read())
    return cert, key


def nginx_conf(work, name, workers, servers):
    """A self-contained nginx configuration: every path it writes lies in the work folder."""
    prefix = os.path.join(work, name)
    os.makedirs(prefix, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = f"""{user}
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy; fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
  keepalive_requests 10000000; keepalive_timeout 120s;
  ssl_certificate {work}/cert.pem; ssl_certificate_key {work}/key.pem;
{servers}
}}
"""
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


def start_backend(work, ports):
    """nginx serving one small JSON file for every path: the backend of every GET configuration."""
    www = os.path.join(work, "www")
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "small.json"), "w") as f:
        f.write('{"ok":true,"service":"bench backend","items":[1,2,3,4,5,6,7,8],"note":"a small static answer"}\n')
    conf = nginx_conf(work, "backend", 1, f"""
  server {{
    listen 127.0.0.1:{ports['backend']}; listen 127.0.0.1:{ports['backend_tls']} ssl http2;
    default_type application/json; root {www};
    location / {{ try_files /small.json =404; }}
  }}""")
    return Process("backend-nginx", ["nginx", "-c", conf, "-g", "daemon off;"], work)


def start_nginx_proxy(work, ports):
    conf = nginx_conf(work, "proxy", "auto", f"""
  upstream backend {{ server 127.0.0.1:{ports['backend']}; keepalive 128; keepalive_requests 10000000; }}
  upstream echo {{ server 127.0.0.1:{ports['echo']}; keepalive 128; keepalive_requests 10000000; }}
  server {{
    listen 127.0.0.1:{ports['nginx']}; listen 127.0.0.1:{ports['nginx_tls']} ssl http2;
    proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;
    location /echo/ {{ proxy_pass http://echo; }}
    location / {{ proxy_pass http://backend; }}
  }}""")
    return Process("nginx-proxy", ["nginx", "-c", conf, "-g", "daemon off;"], work)


def start_haproxy(work, ports):
    conf = os.path.join(work, "haproxy.cfg")
    with open(conf, "w") as f:
        f.write(f"""global
  nbthread {os.cpu_count()}
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend bench
  bind 127.0.0.1:{ports['haproxy']}
  bind 127.0.0.1:{ports['haproxy_tls']} ssl crt {work}/combined.pem alpn h2,http/1.1
  use_backend echo if {{ path_beg /echo/ }}
  default_backend nginx
backend nginx
  server s1 127.0.0.1:{ports['backend']}
backend echo
  server s1 127.0.0.1:{ports['echo']}
""")
    return Process("haproxy", ["haproxy", "-f", conf, "-db"], work)


def gateway_catalog(work, ports):
    subprocess.run([DOTNET, BENCH_TOOL, "oidc", ISSUER, AUDIENCE, SUBJECT, f"{work}/jwks.json", f"{work}/token.txt"], check=True)
    jwks = open(f"{work}/jwks.json").read()
    params = """
      - {name: id, location: PATH, type: LONG, required: true, minimum: 1}
      - {name: page, location: QUERY, type: INT, default: "1", minimum: 1, maximum: 1000, backendName: p}
      - {name: size, location: QUERY, type: INT, minimum: 1, maximum: 100, backendLocation: HEADER, backendName: X-Size}
      - {name: sort, location: QUERY, enum: [asc, desc], backendName: order}
      - {name: q, location: QUERY, maxLength: 64, pattern: "[a-z0-9 ]*", backendName: query}
      - {name: ratio, location: QUERY, type: DOUBLE, minimum: 0, maximum: 1}
      - {name: active, location: QUERY, type: BOOLEAN, backendLocation: HEADER, backendName: X-Active}
      - {name: X-Tenant, location: HEADER, required: true, pattern: "[a-z]{2,16}", backendLocation: QUERY, backendName: tenant}
      - {name: X-Trace, location: HEADER, maxLength: 64}
      - {name: X-Version, location: HEADER, type: INT, required: true, enum: ["1", "2"], backendLocation: PATH, backendName: version}"""
    catalog = f"""
groups: [{{ name: bench }}, {{ name: based, basePath: /v1 }}]
backends:
  - {{ name: nginx, addresses: ["http://127.0.0.1:{ports['backend']}"] }}
  - {{ name: nginx-signed, addresses: ["http://127.0.0.1:{ports['backend']}"] }}
  - {{ name: echo, addresses: ["http://127.0.0.1:{ports['echo']}"] }}
identityProviders:
  - name: bench-idp
    issuer: {ISSUER}
    audiences: ["{AUDIENCE}"]
    jwks: '{jwks}'
apis:
  - {{ id: anon, group: bench, name: Anonymous, methods: [GET], path: /anon, backend: nginx }}
  - {{ id: anon-signed, group: bench, name: Anonymous to a signing backend, methods: [GET], path: /anon-signed, backend: nginx-signed }}
  - {{ id: rewrite, group: based, name: Rewritten path, methods: [GET], path: "/items/{{id}}", backendPath: "/internal/items/{{id}}", backend: nginx }}
  - {{ id: signed, group: bench, name: Signed, methods: [GET], path: /signed, backend: nginx, authType: AppSignature }}
  - {{ id: metered, group: bench, name: Signed and metered, methods: [GET], path: /metered, backend: nginx, authType: AppSignature }}
  - {{ id: oidc, group: bench, name: Token, methods: [GET], path: /oidc, backend: nginx, authType: OpenIdConnect, openIdConnect: {{ provider: bench-idp }} }}
  - {{ id: lease, group: bench, name: Throttled, methods: [GET], path: /throttled, backend: nginx }}
  - id: params
    group: bench
    name: Ten mapped parameters
    methods: [GET]
    path: /mapped/{{id}}
    backendPath: /items/{{version}}/{{id}}
    requestMode: MAPPING
    backend: nginx
    parameters:{params}
  - id: all
    group: bench
    name: Everything together
    methods: [GET]
    path: /all/{{id}}
    backendPath: /items/{{version}}/{{id}}
    requestMode: MAPPING
    backend: nginx-signed
    authType: AppSignatureAndOpenIdConnect
    openIdConnect: {{ provider: bench-idp }}
    ipAccess: {{ allow: [{{ address: 127.0.0.0/8 }}], deny: ["10.0.0.0/8"] }}
    parameters:{params}
  - {{ id: echo, group: bench, name: Body echo, methods: [POST], path: /echo/post, backend: echo }}
  - {{ id: cors, group: bench, name: "CORS, header rewrites and a canary rule", methods: [GET], path: /cors, backend: nginx }}
  - {{ id: cors-canary, group: bench, name: "CORS and a canary rule", methods: [GET], path: /cors-canary, backend: nginx }}
  - {{ id: cached, group: bench, name: Cached answers, methods: [GET], path: /cached, backend: nginx }}
  - {{ id: cache-pass, group: bench, name: Answers never kept, methods: [GET], path: /cache-pass, backend: nginx }}
apiPolicies:
  - {{ name: bench-cache, kind: Caching, caching: {{ ttlSeconds: 3600 }} }}
  - {{ name: bench-cache-pass, kind: Caching, caching: {{ ttlSeconds: 3600, statuses: [203] }} }}
  - name: bench-web
    kind: Cors
    cors: {{ allowedOrigins: ["https://app.bench.invalid"], exposedHeaders: [X-Ca-Request-Id], allowCredentials: true }}
  - name: bench-headers
    kind: HeaderRewrite
    headers:
      request: [{{ action: Set, name: X-Tenant, value: bench }}, {{ action: Add, name: X-Trace, value: "{{requestId}}" }}]
      response: [{{ action: Set, name: X-Frame-Options, value: DENY }}]
  - name: bench-canary
    kind: Routing
    routing:
      rules: [{{ when: [{{ source: Header, name: X-Canary, values: ["yes"] }}], backend: echo }}]
policyBindings:
  - {{ policy: bench-canary, api: cors, stage: RELEASE }}
  - {{ policy: bench-web, api: cors, stage: RELEASE }}
  - {{ policy: bench-headers, api: cors, stage: RELEASE }}
  - {{ policy: bench-canary, api: cors-canary, stage: RELEASE }}
  - {{ policy: bench-web, api: cors-canary, stage: RELEASE }}
  - {{ policy: bench-cache, api: cached, stage: RELEASE }}
  - {{ policy: bench-cache-pass, api: cache-pass, stage: RELEASE }}
throttlePolicies:
  - {{ name: roomy, unit: Second, apiLimit: 200000, ipLimit: 200000 }}
  - {{ name: roomy-all-levels, unit: Second, apiLimit: 200000, userLimit: 200000, appLimit: 200000, ipLimit: 200000 }}
throttleBindings:
  - {{ api: lease, stage: RELEASE, policy: roomy }}
  - {{ api: all, stage: RELEASE, policy: roomy-all-levels }}
deployments:
{''.join(f"  - {{ api: {a}, stage: RELEASE }}{chr(10)}" for a in ['anon', 'anon-signed', 'rewrite', 'signed', 'metered', 'oidc', 'lease', 'params', 'all', 'echo', 'cors', 'cors-canary', 'cached', 'cache-pass'])}
apps: [{{ id: bench-app, name: Benchmark client, owner: bench }}]
grants:
  - {{ app: bench-app, api: signed, stage: RELEASE }}
  - {{ app: bench-app, api: metered, stage: RELEASE }}
  - {{ app: bench-app, api: all, stage: RELEASE }}
pricePlans: [{{ name: bench-plan, currency: EUR }}]
subscriptions: [{{ app: bench-app, plan: bench-plan, start: "2026-01-01T00:00:00Z" }}]
packages: [{{ name: bench-package, calls: 1000000000000, currency: EUR, validDays: 3650, apis: [metered] }}]
packageGrants: [{{ id: bench-grant, app: bench-app, package: bench-package, start: "2026-01-01T00:00:00Z" }}]
"""
    path = os.path.join(work, "catalog.yaml")
    with open(path, "w") as f:
        f.write(catalog)
    return path


def start_gateway(work, name, ports, catalog, env):
    """The embedded gateway in Release with its logs at Warning (no access log lines, like the other proxies)."""
    http_port, tls_port, admin_port = ports[name], ports[name + "_tls"], free_port()
    settings = {
        "Frontend__HttpPort": str(http_port), "Frontend__Http2Port": str(free_port()), "Frontend__HttpsPort": str(tls_port),
        "Frontend__Tls__DefaultCertificate": "localhost", "Admin__Port": str(admin_port),
        "Cluster__SiloPort": str(free_port()), "Cluster__GatewayPort": str(free_port()),
        "Embedded__SampleBackendPort": str(free_port()), "Logging__LogLevel__Default": "Warning",
        "DOTNET_gcServer": "1", **env,
    }
    process = Process(name, [DOTNET, FRONTEND, "--catalog", catalog], work, settings)
    wait_until(process, lambda: http("GET", f"http://127.0.0.1:{http_port}/health/ready")[0] == 200)
    cert, key = open(f"{work}/cert.pem").read(), open(f"{work}/key.pem").read()
    admin(admin_port, "PUT", "/certificates/localhost", {"certificate": cert, "privateKey": key})
    admin(admin_port, "POST", "/apps/bench-app/keys", {"appKey": APP_KEY, "appSecret": APP_SECRET})
    admin(admin_port, "POST", "/backends/nginx-signed/signing-keys", {"name": "bench", "secret": SIGNING_SECRET})
    admin(admin_port, "PUT", "/backends/nginx-signed",
          {"addresses": [f"http://127.0.0.1:{ports['backend']}"], "signingKey": "bench"})
    return process


# ------------------------------------------------------------------------------------------------ configurations


def signed_headers(method, path_and_query):
    out = subprocess.run([DOTNET, BENCH_TOOL, "sign", APP_KEY, APP_SECRET, method, path_and_query],
                         check=True, capture_output=True, text=True).stdout
    return dict(line.split(": ", 1) for line in out.splitlines() if line)


def token_header(work):
    return {"Authorization": "Bearer " + open(f"{work}/token.txt").read().strip()}


class Config:
    """One thing measured: a proxy (its port names and process) and the request sent through it."""

    def __init__(self, name, proxy, port, path, headers=None, method="GET", body=None, doc=""):
        self.name, self.proxy, self.port, self.path = name, proxy, port, path
        self.method, self.body, self.doc = method, body, doc
        self.headers = headers or (lambda: {})


def configs(work, ports):
    token = lambda: token_header(work)
    mapped = "/mapped/42" + PARAMS_QUERY
    all_path = "/all/42" + PARAMS_QUERY
    body = os.path.join(work, "body.bin")
    with open(body, "wb") as f:
        f.write(os.urandom(BODY_BYTES))
    return [
        Config("backend-direct", "backend", "backend", "/anon", doc="nginx serving the small file, no proxy"),
        Config("bare-yarp", "bare-yarp", "bare-yarp", "/anon", doc="YARP, one catch-all route, default transforms"),
        Config("nginx", "nginx", "nginx", "/anon", doc="nginx reverse proxy, keep-alive upstream"),
        Config("haproxy", "haproxy", "haproxy", "/anon", doc="HAProxy, http mode, connection reuse"),
        Config("gw-anonymous", "gateway", "gateway", "/anon", doc="anonymous API, no policy"),
        Config("gw-backend-signing", "gateway", "gateway", "/anon-signed",
               doc="anonymous API whose backend has a signing key (X-Ca-Proxy-Signature on every call)"),
        Config("gw-path-rewrite", "gateway", "gateway", "/v1/items/42",
               doc="backend path rewrite under a group base path (/v1/items/{id} to /internal/items/{id})"),
        Config("gw-signature", "gateway", "gateway", "/signed", lambda: signed_headers("GET", "/signed"),
               doc="X-Ca HmacSHA256 signature (no nonce), app key, grant"),
        Config("gw-metering", "gateway", "gateway", "/metered", lambda: signed_headers("GET", "/metered"),
               doc="gw-signature plus a subscription and a prepaid package covering the API (a call of it spent per call, from leases)"),
        Config("gw-oidc", "gateway", "gateway", "/oidc", token, doc="OpenID Connect RS256 bearer token"),
        Config("gw-policies", "gateway", "gateway", "/cors", lambda: {"Origin": "https://app.bench.invalid"},
               doc="CORS (allowed origin, credentials), three header rewrites and a canary rule tried on every call; compare with gw-anonymous"),
        Config("gw-cors-canary", "gateway", "gateway", "/cors-canary", lambda: {"Origin": "https://app.bench.invalid"},
               doc="CORS (allowed origin, credentials) and a canary rule tried on every call, without header rewrites; compare with gw-anonymous"),
        Config("gw-cache-hit", "gateway", "gateway", "/cached",
               doc="response caching: every call after the first answered from the frontend's memory (X-Ca-Cache: HIT)"),
        Config("gw-cache-pass", "gateway", "gateway", "/cache-pass",
               doc="a caching policy that keeps no answer (status not chosen): the cost of looking up and passing on every call"),
        Config("gw-throttle-lease", "gateway", "gateway", "/throttled",
               doc="API and IP limits of 200,000/s, lease mode (frontend spends local leases)"),
        Config("gw-throttle-per-request", "gateway-per-request", "gateway-per-request", "/throttled",
               doc="the same policy with Throttling:MinLease above the limit: every call asks the quota grains"),
        Config("gw-params", "gateway", "gateway", mapped, lambda: dict(PARAMS_HEADERS),
               doc="ten parameters validated and mapped (MAPPING)"),
        Config("gw-everything", "gateway", "gateway", all_path,
               lambda: {**signed_headers("GET", all_path), **token(), **PARAMS_HEADERS},
               doc="signature + token, IP allow list, four lease-mode limits, ten mapped parameters, backend signature"),
        # The same calls to a gateway that runs each request on the thread that read it (Frontend:InlineScheduling).
        Config("gw-anonymous-inline", "gateway-inline", "gateway-inline", "/anon",
               doc="gw-anonymous with Frontend:InlineScheduling and inline socket completions"),
        Config("gw-signature-inline", "gateway-inline", "gateway-inline", "/signed", lambda: signed_headers("GET", "/signed"),
               doc="gw-signature with Frontend:InlineScheduling and inline socket completions"),
        Config("gw-everything-inline", "gateway-inline", "gateway-inline", all_path,
               lambda: {**signed_headers("GET", all_path), **token(), **PARAMS_HEADERS},
               doc="gw-everything with Frontend:InlineScheduling and inline socket completions"),
        # The same requests through bare YARP (it forwards the X-Ca headers, the token and the parameters as they are):
        # what the larger request itself costs a proxy, parsed by Kestrel, copied and sent on by YARP, apart from what
        # the gateway does with it.
        Config("bare-yarp-signed-request", "bare-yarp", "bare-yarp", "/signed", lambda: signed_headers("GET", "/signed"),
               doc="bare YARP given gw-signature's request: its baseline like for like"),
        Config("bare-yarp-everything-request", "bare-yarp", "bare-yarp", all_path,
               lambda: {**signed_headers("GET", all_path), **token(), **PARAMS_HEADERS},
               doc="bare YARP given gw-everything's request: its baseline like for like"),
        Config("bare-yarp-post-4k", "bare-yarp", "bare-yarp", "/echo/post", method="POST", body=body,
               doc="4 KB POST body echoed by a Kestrel backend"),
        Config("gw-post-4k", "gateway", "gateway", "/echo/post", method="POST", body=body,
               doc="4 KB POST body echoed by a Kestrel backend, anonymous API"),
    ]


def check(config, proxies, ports):
    """Every configuration answers 200 before anything is measured: a benchmark of error answers is no benchmark."""
    body = open(config.body, "rb").read() if config.body else None
    headers = {**config.headers(), **({"Content-Type": "application/octet-stream"} if body else {})}
    status, answer = http(config.method, f"http://127.0.0.1:{ports[config.port]}{config.path}", body, headers)
    if status != 200 or (body and answer != body):
        raise SystemExit(f"{config.name}: {status} {answer[:300]!r}; logs in {proxies[config.proxy].log_path}")


# ----------------------------------------------------------------------------------------------------- clients


def lua_script(work, config):
    """wrk's request and a done() that prints the percentiles wrk's --latency leaves out (p999)."""
    path = os.path.join(work, f"{config.name}.lua")
    headers = {**config.headers(), **({"Content-Type": "application/octet-stream"} if config.body else {})}
    lines = [f'wrk.method = "{config.method}"']
    lines += [f'wrk.headers["{k}"] = {json.dumps(v)}' for k, v in headers.items()]
    if config.body:
        lines.append(f'local f = io.open("{config.body}", "rb"); wrk.body = f:read("*a"); f:close()')
    lines.append("""function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), e.status, e.connect + e.read + e.write + e.timeout))
end""")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def run_wrk(work, config, ports, seconds, connections):
    script = lua_script(work, config)
    url = f"http://127.0.0.1:{ports[config.port]}{config.path}"
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script, url],
                         capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    requests, duration, p50, p99, p999, non2xx, errors = map(int, line.split()[1:])
    return {"requests": requests, "rps": requests / (duration / 1e6), "p50_ms": p50 / 1000, "p99_ms": p99 / 1000,
            "p999_ms": p999 / 1000, "non2xx": non2xx, "errors": errors}


def run_h2load(work, config, ports, seconds, connections, log_file=None):
    headers = {**config.headers(), **({"Content-Type": "application/octet-stream"} if config.body else {})}
    url = f"https://127.0.0.1:{ports[config.port + '_tls']}{config.path}"
    streams = 4
    argv = ["h2load", "-t2", f"-c{max(2, connections // streams)}", f"-m{streams}", "-D", str(seconds)]
    for k, v in headers.items():
        argv += ["-H", f"{k}: {v}"]
    if config.body:
        argv += ["-d", config.body]
    if log_file:
        argv += ["--log-file", log_file]
    out = subprocess.run(argv + [url], capture_output=True, text=True).stdout
    if not log_file:
        return None
    statuses = [l for l in out.splitlines() if l.strip().startswith("status codes:")]
    counts = [int(t) for t in statuses[0].split(":")[1].replace(",", " ").split() if t.isdigit()] if statuses else [0, 0, 0, 0]
    latencies, first, last = [], None, None
    with open(log_file) as f:
        for row in f:
            start, status, micros = row.split("\t")[:3]
            start = int(start)
            first = start if first is None else min(first, start)
            last = start + int(micros) if last is None else max(last, start + int(micros))
            latencies.append(int(micros))
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] / 1000 if latencies else 0
    done = sum(counts)
    return {"requests": len(latencies), "rps": len(latencies) / ((last - first) / 1e6) if latencies else 0,
            "p50_ms": pick(0.5), "p99_ms": pick(0.99), "p999_ms": pick(0.999),
            "non2xx": done - counts[0] if counts else 0, "errors": max(0, len(latencies) - done) if done else 0}


RUNTIME_METRICS = {  # the gateway's own /metrics: what a sample's CPU figure can be read against
    "allocated": 'dotnet_gc_heap_total_allocated_bytes_total{',
    "gen0": 'dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen0"}',
    "gen1": 'dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen1"}',
    "gen2": 'dotnet_gc_collections_total{otel_scope_name="System.Runtime",gc_heap_generation="gen2"}',
    "gc_pause_s": 'dotnet_gc_pause_time_seconds_total{',
    "lock_contentions": 'dotnet_monitor_lock_contentions_total{',
    "pool_threads": 'dotnet_thread_pool_thread_count_total{',
    "jit_methods": 'dotnet_jit_compiled_methods_total{',
    "gen2_bytes": 'dotnet_gc_last_collection_heap_size_bytes{otel_scope_name="System.Runtime",gc_heap_generation="gen2"}',
    "loh_bytes": 'dotnet_gc_last_collection_heap_size_bytes{otel_scope_name="System.Runtime",gc_heap_generation="loh"}',
}
GAUGES = {"pool_threads", "gen2_bytes", "loh_bytes"}  # read after the sample, not as a difference


def runtime_metrics(config, ports):
    """The gateway's runtime counters (its /metrics), None for the other proxies."""
    if not config.proxy.startswith("gateway"):
        return None
    with urllib.request.urlopen(f"http://127.0.0.1:{ports[config.port]}/metrics", timeout=10) as r:
        lines = r.read().decode().splitlines()
    found = {}
    for name, prefix in RUNTIME_METRICS.items():
        found[name] = next((float(line.split()[-1]) for line in lines if line.startswith(prefix)), None)
    return found


def measure(work, config, protocol, proxies, ports, args):
    process = proxies[config.proxy]
    run = run_wrk if protocol == "http1" else run_h2load
    run(work, config, ports, args.warmup, args.connections)  # the JIT's tiers and every pool settle here
    tree = process_tree(process.pid)
    before = runtime_metrics(config, ports)
    switches_before = context_switches(tree)
    cpu_before, sampler = cpu_seconds(tree), Sampler(process.pid)
    sampler.start()
    if protocol == "http1":
        result = run_wrk(work, config, ports, args.seconds, args.connections)
    else:
        log_file = os.path.join(work, f"{config.name}.h2.log")
        result = run_h2load(work, config, ports, args.seconds, args.connections, log_file)
        os.remove(log_file)
    result["peak_rss_mb"] = sampler.finish() / 1024
    requests = max(1, result["requests"])
    tree_after = process_tree(process.pid)  # once, so that both figures are read over the same processes
    result["cpu_us_per_request"] = (cpu_seconds(tree_after) - cpu_before) * 1e6 / requests
    result["context_switches_per_request"] = switches_since(switches_before, context_switches(tree_after)) / requests
    after = runtime_metrics(config, ports) if before is not None else None
    if after is not None and after["allocated"] is not None and before["allocated"] is not None and after["allocated"] > before["allocated"]:
        # Includes the embedded silo's share (leases, usage batches): the whole process, as the CPU figure. A count
        # that did not move is a stale scrape, not zero bytes: left out rather than reported.
        result["bytes_per_request"] = (after["allocated"] - before["allocated"]) / requests
        # Only when the scrapes had every counter: a runtime that names one differently gives no figure, not a crash.
        if all(after[k] is not None and before[k] is not None for k in RUNTIME_METRICS):
            result["runtime"] = {**{k: after[k] - before[k] for k in RUNTIME_METRICS if k not in GAUGES},
                                 **{k: after[k] for k in GAUGES}, "seconds": args.seconds}
    return result


# ------------------------------------------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="measured seconds per sample")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up seconds before each sample")
    parser.add_argument("--runs", type=int, default=2, help="samples per configuration and protocol")
    parser.add_argument("--connections", type=int, default=32, help="concurrent requests (wrk connections; h2load connections x 4 streams)")
    parser.add_argument("--only", default="", help="comma-separated configuration names (default: all)")
    parser.add_argument("--gateway-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra setting for both gateway processes, for experiments (e.g. OTEL_SDK_DISABLED=true)")
    parser.add_argument("--bare-yarp-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra setting for bare YARP, e.g. the gateway's own runtime settings for a like-for-like baseline")
    parser.add_argument("--out", required=True, help="JSON file for bench/report.py")
    args = parser.parse_args()

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from report import source_state
    commit = source_state()  # what is measured is what was built at the start
    work = tempfile.mkdtemp(prefix="gateway-bench-")
    os.chmod(work, 0o755)
    ports = {n: free_port() for n in ["backend", "backend_tls", "echo", "bare-yarp", "bare-yarp_tls", "nginx", "nginx_tls",
                                      "haproxy", "haproxy_tls", "gateway", "gateway_tls", "gateway-per-request",
                                      "gateway-per-request_tls", "gateway-inline", "gateway-inline_tls"]}
    proxies = {}
    try:
        make_certificate(work)
        proxies["backend"] = start_backend(work, ports)
        proxies["echo"] = Process("echo", [DOTNET, BENCH_TOOL, "echo", str(ports["echo"])], work)
        proxies["bare-yarp"] = Process("bare-yarp", [DOTNET, BARE_YARP, "proxy", str(ports["bare-yarp"]),
                                                     f"http://127.0.0.1:{ports['backend']}", "--tls", str(ports["bare-yarp_tls"]),
                                                     f"{work}/cert.pem", f"{work}/key.pem", "--echo", f"http://127.0.0.1:{ports['echo']}"],
                                       work, {"DOTNET_gcServer": "1", **dict(kv.split("=", 1) for kv in args.bare_yarp_env)})
        proxies["nginx"] = start_nginx_proxy(work, ports)
        proxies["haproxy"] = start_haproxy(work, ports)
        catalog = gateway_catalog(work, ports)
        extra = dict(kv.split("=", 1) for kv in args.gateway_env)
        proxies["gateway"] = start_gateway(work, "gateway", ports, catalog, extra)
        proxies["gateway-per-request"] = start_gateway(work, "gateway-per-request", ports, catalog,
                                                       {**extra, "Throttling__MinLease": "1000000000000"})
        # The opt-in inline scheduling, with the runtime's inline socket completions that README "CPU" pairs it with.
        proxies["gateway-inline"] = start_gateway(work, "gateway-inline", ports, catalog,
                                                  {**extra, "Frontend__InlineScheduling": "true",
                                                   "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS": "1"})
        for name in ["backend", "echo", "bare-yarp", "nginx", "haproxy"]:
            port = ports["echo" if name == "echo" else name]
            wait_until(proxies[name], lambda: socket.create_connection(("127.0.0.1", port), 1).close() is None)

        selected = [c for c in configs(work, ports) if not args.only or c.name in args.only.split(",")]
        for config in selected:
            check(config, proxies, ports)
        log(f"{len(selected)} configurations answer 200; {args.runs} runs of {args.warmup} s warm-up + {args.seconds} s, "
            f"{args.connections} concurrent requests")

        # One pass over everything first: each process's first minute (tiered JIT, PGO, pools, the quota grains'
        # activations) lands here rather than in round 1 of whichever configuration comes first.
        for config in selected:
            for protocol in ["http1", "h2-tls"]:
                (run_wrk if protocol == "http1" else run_h2load)(work, config, ports, args.warmup, args.connections)
        log("warm-up pass done")

        samples = []
        for run in range(1, args.runs + 1):
            for config in selected:
                for protocol in ["http1", "h2-tls"]:
                    result = measure(work, config, protocol, proxies, ports, args)
                    result.update(config=config.name, protocol=protocol, run=run)
                    samples.append(result)
                    log(f"run {run} {config.name:24} {protocol:6} {result['rps']:9.0f} req/s  p50 {result['p50_ms']:.2f}  "
                        f"p99 {result['p99_ms']:.2f}  p999 {result['p999_ms']:.2f} ms  rss {result['peak_rss_mb']:.0f} MB  "
                        f"cpu {result['cpu_us_per_request']:.0f} us/req  "
                        + f"cs {result['context_switches_per_request']:.2f}/req  "
                        + (f"alloc {result['bytes_per_request']:.0f} B/req  " if "bytes_per_request" in result else "")
                        + (f"gc {result['runtime']['gen0']:.0f}/{result['runtime']['gen1']:.0f}/{result['runtime']['gen2']:.0f} "
                           f"pause {1000 * result['runtime']['gc_pause_s']:.0f} ms  threads {result['runtime']['pool_threads']:.0f}  "
                           f"jit {result['runtime']['jit_methods']:.0f}  gen2 {result['runtime']['gen2_bytes'] / 2**20:.0f} MB  " if "runtime" in result else "")
                        + f"non-2xx {result['non2xx']}  errors {result['errors']}")

        with open(args.out, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "settings": vars(args), "commit": commit,
                       "configs": [{"name": c.name, "doc": c.doc} for c in selected], "samples": samples}, f, indent=1)
    finally:
        for process in reversed(list(proxies.values())):
            process.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
