"""Settings for the Arabic news-clipping archive: one flat module, driven by the environment.

DEBUG=1 (the default for `make demo` and the tests) gives a development setup on SQLite;
production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and usually DATABASE_URL=postgres://...
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")
    # Development only: a per-checkout key that is never used in production.
    SECRET_KEY = "dev-insecure-" + str(BASE_DIR)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_ratelimit",
    # The embedded task queue's table and its `db_worker` command (TASKS_BACKEND=db).
    "django_tasks_db",
    # `rqworker` and the Redis connections of the scale-out queue (TASKS_BACKEND=rq).
    "django_rq",
    # Failed sign-ins counted per account and per client, lock-outs, and their admin screens (AXES_* below).
    "axes",
    # History of editors' changes with revert (articles/history.py registers the models).
    "reversion",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database outage answers 503 (HTML page or JSON for /api/), logged; see articles/outage.py.
    "articles.web.outage.DatabaseOutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsarchive.db_router.ReplicaReadMiddleware",
    "newsarchive.db_timeout.ReaderStatementTimeoutMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lock-out page (AXES_LOCKOUT_TEMPLATE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsarchive.urls"
WSGI_APPLICATION = "newsarchive.wsgi.application"
ASGI_APPLICATION = "newsarchive.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # |display on stored titles and names: PDF/OCR text shown like typed text (issue 23).
            "builtins": ["articles.web.text_filters"],
        },
    },
]

# SQLite file by default (no server needed); DATABASE_URL=postgres://... selects PostgreSQL (psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'archive.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work side by side; the timeout absorbs concurrent ingests.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # The test database is a file too, so the concurrent-ingest tests really run two connections.
        DATABASES["default"]["TEST"] = {"NAME": str(Path(DATABASES["default"]["NAME"]).with_suffix(".test.sqlite3"))}

# Reads that scale out (newsarchive/db_router.py): hot-standby replicas of the primary, comma-separated URLs.
# Safe, non-admin page requests read from one of them; writes and reads after a write use the primary.
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", ""), start=1):
    DATABASES[f"replica_{_number}"] = dj_database_url.parse(_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    # The test runner points a replica at the test database instead of creating one.
    DATABASES[f"replica_{_number}"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["newsarchive.db_router.PrimaryReplicaRouter"]
# PostgreSQL's JIT compiler off (DB_JIT=1 turns it back on): the search queries run with enable_seqscan=off, whose
# disable_cost (1e10) lifts every plan above jit_above_cost, so each search paid 100-500 ms of LLVM compilation for
# queries that run in a few ms (docs/PERFORMANCE.md, "JIT").
# random_page_cost 1.1 (DB_RANDOM_PAGE_COST), PostgreSQL's advice for storage that is not a spinning disk: the
# archive's hot set is in memory or on SSD, and at the default (4) the planner preferred scanning 125,000 sampled
# articles to 12,700 primary-key look-ups for an entity filter (737 ms against 156).
_PG_OPTIONS = [] if env_bool("DB_JIT", False) else ["-c jit=off"]
_PG_OPTIONS.append(f"-c random_page_cost={float(os.environ.get('DB_RANDOM_PAGE_COST', '1.1'))}")
for _alias in DATABASES.values():
    if _alias["ENGINE"] == "django.db.backends.postgresql":
        _alias.setdefault("OPTIONS", {})["options"] = " ".join(_PG_OPTIONS)
# Paths that always use the primary (staff work reads its own writes), and how long a writer stays pinned to it.
DATABASE_PRIMARY_PATHS = ("/admin/",)
DATABASE_REPLICA_PIN_SECONDS = int(os.environ.get("DATABASE_REPLICA_PIN_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in throttling (django-axes; docs/RELIABILITY.md, "Sign-in throttling"). Its backend comes first: a locked
# account or client is refused before Django's backend checks the password. Both the admin's and the readers' login
# go through it. Failures are counted per account (any client) and per client address (any account); AXES_FAILURE_LIMIT
# failures lock that account or that client for AXES_COOLOFF_MINUTES after the last failure. Unknown user names are
# counted and locked the same way, so the answers never tell an existing account from an unknown one. Editors unlock
# in the admin (Axes -> Access attempts: delete the row) or `manage.py axes_reset_username NAME`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The lock-out page (Arabic and English, 429 with Retry-After) without the user name axes would pass to it.
AXES_LOCKOUT_CALLABLE = "articles.web.lockout.lockout_response"
# The client address the same way as the rate limits (RATELIMIT_IP_META_KEY behind a reverse proxy).
AXES_CLIENT_IP_CALLABLE = "articles.web.lockout.request_client_ip"
# The admin lists attempts, not passwords; keep the password field out of the stored POST data.
AXES_SENSITIVE_PARAMETERS = ["password"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", "العربية"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our date formats for Arabic (newsarchive/formats/ar/formats.py) over Django's.
FORMAT_MODULE_PATH = ["newsarchive.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Clipping files (scans, PDFs, saved pages, Word files) kept byte for byte beside their articles, named by
# SHA-256. Never under MEDIA_URL: they are served only through the article's download view (attachment,
# nosniff, sandboxed). A deployment may name another Django storage backend (e.g. object storage).
ORIGINALS_DIR = Path(os.environ.get("ORIGINALS_DIR", BASE_DIR / "var" / "originals"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "originals": {
        "BACKEND": os.environ.get("ORIGINALS_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": {"location": str(ORIGINALS_DIR)},
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Readers (not only staff) sign in here to save searches; the admin keeps its own login page.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "saved_search_list"
LOGOUT_REDIRECT_URL = "home"

# E-mail (saved-search digests, manage.py send_digests): the console in development, SMTP from the
# environment in production (Django 6.1's MAILERS; the EMAIL_* settings are deprecated).
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND", f"django.core.mail.backends.{'console' if DEBUG else 'smtp'}.EmailBackend"
        ),
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": int(os.environ.get("EMAIL_TIMEOUT", "30")),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "archive@localhost")
# The site's public address, for links in e-mails (which have no request to build them from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")

# Uploads: the admin's dump upload refuses files above this size (bytes).
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# Uploaded dumps wait here (named by their SHA-256) between the preview and the confirmation.
UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", BASE_DIR / "var" / "uploads"))
# A clipping file (image, PDF, web page, Word file, or a zip member) larger than this is refused, naming the
# file; a zip may hold at most CLIPPING_ZIP_MAX_MEMBERS members and CLIPPING_ZIP_MAX_BYTES uncompressed.
CLIPPING_MAX_BYTES = int(os.environ.get("CLIPPING_MAX_BYTES", str(50 * 1024 * 1024)))
CLIPPING_ZIP_MAX_MEMBERS = int(os.environ.get("CLIPPING_ZIP_MAX_MEMBERS", "2000"))
CLIPPING_ZIP_MAX_BYTES = int(os.environ.get("CLIPPING_ZIP_MAX_BYTES", str(1024 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Enrichment: entity extraction backend ("neural" = the shipped BiLSTM-CRF run with onnxruntime,
# "crf" = the shipped two-pass CRF, "camel" = camel-tools' BERT NER). See docs/ner.md.
NER_BACKEND = os.environ.get("NER_BACKEND", "neural")
NER_MODEL_DIR = os.environ.get("NER_MODEL_DIR") or None
NER_NEURAL_MODEL_DIR = os.environ.get("NER_NEURAL_MODEL_DIR") or None
# CRF passes (1, or 2 = with the document-memory pass); docs/ner.md, round 3.
NER_CRF_PASSES = int(os.environ.get("NER_CRF_PASSES", "2"))
# Document-level consistency of the tagger's output (articles/enrich/ner/consistency.py); "0" turns it off.
NER_CONSISTENCY = os.environ.get("NER_CONSISTENCY", "1") != "0"
TOPIC_MODEL_PATH = os.environ.get("TOPIC_MODEL_PATH") or None
# Bulk ingest enriches in this many worker processes (0 = in-process).
INGEST_WORKERS = int(os.environ.get("INGEST_WORKERS", str(min(2, os.cpu_count() or 1))))

# Background tasks (django.tasks, Django's own API): ingest stage 2 (entities, topic) and admin
# uploads run in workers. "db": the embedded queue in the archive's own database, no server,
# workers are `manage.py db_worker`. "rq": Redis + RQ, for workers on many machines, workers are
# `manage.py rqworker default` (REDIS_URL). "immediate": run in the caller (tests, tiny installs).
# See docs/bench-ingest.md, "Adding workers".
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "db")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# The queue the archive's tasks go to (workers: `db_worker --queue-name X`, `rqworker X`); tests give
# each run its own so parallel runs never take each other's jobs.
TASKS_QUEUE = os.environ.get("TASKS_QUEUE", "default")
_QUEUES = sorted({"default", TASKS_QUEUE})  # "default": where django.tasks' own defaults point
_TASK_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": _QUEUES},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": _QUEUES},
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": _QUEUES},
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}")
TASKS = {"default": _TASK_BACKENDS[TASKS_BACKEND]}
# An enrichment task reruns harmlessly, so a job lost with its worker is simply queued again.
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in _QUEUES}
# `rqworker` must run jobs with django-tasks-rq's job class (it calls the django.tasks Task).
RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}
# A running ingest that has shown no sign of life for this long is marked interrupted.
RUN_STALE_SECONDS = int(os.environ.get("RUN_STALE_SECONDS", "300"))
# Called with each stored batch inside its transaction (articles.ingest.store); e.g. story assignment.
INGEST_STORE_HOOKS: list[str] = []

# After an ingest's enrichment (and when the background backlog is empty), join new spellings of known
# entities (entities_consolidate). A very large archive may switch it off and run the command nightly.
ENTITIES_CONSOLIDATE_ON_INGEST = env_bool("ENTITIES_CONSOLIDATE_ON_INGEST", True)
# An entity list saved in the admin scans the archive for its aliases in the request up to this many
# articles (a few seconds), in a background task beyond (progress on the list).
ENTITY_LIST_SCAN_INLINE = int(os.environ.get("ENTITY_LIST_SCAN_INLINE", "5000"))
# Search result counts above this are shown as "N+" instead of counted exactly.
SEARCH_COUNT_CAP = int(os.environ.get("SEARCH_COUNT_CAP", "10000"))
EXPORT_MAX_ROWS = int(os.environ.get("EXPORT_MAX_ROWS", "10000"))

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# One record's size limit (characters of body text): a longer record is rejected with its line number
# (articles/validation.py). Bounds the time and memory one record can cost at ingest.
# 100,000 is 5x the longest article among 45,000 real ones (ANT, SaudiNewsNet: 21,119 characters); one such
# record costs about 10 s and 10 MB at ingest (docs/RELIABILITY.md, bench/bench_big_record.py).
ARTICLE_MAX_CHARS = int(os.environ.get("ARTICLE_MAX_CHARS", "100000"))

# Content-Security-Policy (Django's own CSP middleware, the django-csp design moved into Django 6): scripts,
# styles, images and fonts from this site only, no inline script or style (templates keep JS/CSS in static/),
# no plugins, no framing, forms post here only. A missed escaping bug then still cannot run a script.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Cache: rate-limit counters live here. LocMemCache is per process: with several server processes set
# CACHE_URL=redis://host:6379/0 (Django's Redis backend; `pip install redis`) so the limits are shared.
# "search": search pages (articles.search.cache), keyed by the archive generation so never stale; on Redis
# they are shared by every worker, in memory each worker keeps its own.
if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]},
        "search": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
            "KEY_PREFIX": "search",
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "search": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "search",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
    }
    # django-ratelimit flags a per-process cache; one process (runserver, a single worker) is served right.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# Seconds a search page stays cached (0: off). Staleness is not what bounds it (the key holds the archive
# generation): it bounds the memory taken by searches nobody repeats.
SEARCH_CACHE_SECONDS = int(os.environ.get("SEARCH_CACHE_SECONDS", "300"))
# PostgreSQL: no statement of a reader's request (GET outside the admin) runs longer than this (ms); the page
# then answers 503 "took too long" instead of holding a worker (0: no limit).
DB_READER_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_READER_STATEMENT_TIMEOUT_MS", "5000"))

# Rate limits per client (django-ratelimit, articles/ratelimits.py; README "Rate limits"): requests per
# minute for each kind of expensive request; over it the answer is 429 with Retry-After.
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_EXPORT = os.environ.get("RATELIMIT_EXPORT", "10/m")
RATELIMIT_FEED = os.environ.get("RATELIMIT_FEED", "60/m")
RATELIMIT_SEARCH = os.environ.get("RATELIMIT_SEARCH", "120/m")
RATELIMIT_DEEP_PAGE = os.environ.get("RATELIMIT_DEEP_PAGE", "30/m")
# Pages beyond this number count as deep pages (an OFFSET scan each).
RATELIMIT_DEEP_PAGE_FROM = int(os.environ.get("RATELIMIT_DEEP_PAGE_FROM", "10"))
# Behind a reverse proxy, the client address is in a header, e.g. HTTP_X_FORWARDED_FOR.
RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or None
