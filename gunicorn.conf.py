"""gunicorn settings for `make serve` (read from the working directory; every value can be overridden by env).

Sync workers: each page is a few short database queries and template rendering (CPU-bound Python), so one request
per process keeps latency predictable. Default workers = 2 × cores: PostgreSQL usually shares the machine and
each worker waits on it part of the time (the benchmarks in docs/PERFORMANCE.md ran 4 on 2 cores; worker
counts were not compared there).
"""

import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", str(2 * (os.cpu_count() or 1))))
worker_class = "sync"
# A request slower than this is killed and logged (exports stream 10,000 rows within it).
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Workers are recycled now and then so a slow leak never grows without bound; jitter avoids recycling them together.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Import Django once in the master: workers share its memory and start fast.
preload_app = True
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()
# Behind a reverse proxy on the same host (X-Forwarded-Proto decides HTTPS, see settings.SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
