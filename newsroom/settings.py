"""Settings for Newsroom, read from the environment.

Every value has a default that is safe for local use; production sets DEBUG=0, a real
SECRET_KEY, ALLOWED_HOSTS, HTTPS=1 and usually DATABASE_URL (see README.md).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DEBUG")

# A fixed key is fine on a developer's machine; `check --deploy` flags it, so production
# must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-development-key-do-not-deploy"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "newsroom",
    "comments",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "mptt",
    "csp",
    "notifications",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # With DATABASE_REPLICA_URLS: which database this request reads from (a replica, or the
    # primary for writers and whoever has just written), before anything below reads, the
    # public pages' validators included; a request whose replica failed under it runs again.
    "newsroom.replicas.ReadFromReplicas",
    # Public pages: 304s from versions, the anonymous page cache, Cache-Control; other pages
    # get ETags hashed from their body. First after that, so that an anonymous reader's 304 or cached
    # page is answered before any other middleware runs (a cached page keeps the headers the
    # middleware below gave it when it was rendered: the policy, the security headers), and
    # so that it sees the session, CSRF and messages middleware's cookies and Vary.
    "newsroom.pagecache.PublicPages",
    # Next, so that every other response carries the policy, answers made by the middleware
    # below (400, 429, 503 pages) included.
    "csp.middleware.CSPMiddleware",
    # A database outage anywhere below answers a static 503, not a 500.
    "newsroom.outage.DatabaseUnavailable",
    "newsroom.middleware.ClientAddressBehindProxies",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.middleware.RefuseNulInAddress",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
                "newsroom.context_processors.reader",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection is checked before a request reuses it, so the first request
        # after PostgreSQL restarts reconnects instead of failing on a dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes SQLite's write lock at BEGIN, so two writers queue up instead of
    # failing half-way with "database is locked" (comment trees depend on it).
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Read replicas (newsroom/replicas.py): reading requests read from them, everything else
# from the primary above. Not migrated (they copy the primary); a test run uses the primary.
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS", ""), start=1):
    replica = dj_database_url.parse(url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
                                    conn_health_checks=True)
    # A replica that cannot be reached is skipped after this many seconds, not a minute.
    replica["OPTIONS"] = {"connect_timeout": 2, **replica.get("OPTIONS", {})}
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{number}"] = replica
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["newsroom.replicas.PrimaryOrReplica"]
# Seconds a reader who has just written (posted, signed in, moderated) reads from the primary,
# so a replica's lag never hides their own change from them.
DATABASE_PIN_SECONDS = int(os.environ.get("DATABASE_PIN_SECONDS", "5"))
# Behind a pooler in transaction mode (pgbouncer), a connection is only ours for one
# transaction: no server-side cursors (an .iterator() outside a transaction would open one).
# Nothing here takes session-level locks or prepares statements (see README, "Several machines").
if env_flag("DATABASE_POOLER"):
    for database in DATABASES.values():
        database["DISABLE_SERVER_SIDE_CURSORS"] = True

AUTH_USER_MODEL = "newsroom.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "display_name", "email"]},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in, sign-up and password-reset POSTs one IP address may send: (how many, seconds).
ACCOUNT_RATE_LIMITS = [(10, 60), (60, 3600)]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

if os.environ.get("REDIS_URL"):
    # Django's Redis cache, made to miss instead of failing while Redis is unreachable.
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "newsroom",
        }
    }
else:
    # Room for the flood-limit records of many addresses (the default keeps only 300 keys).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }

# Background work (notifications, confirmation mail) runs on Django's tasks API through the
# django-tasks backport (notifications/tasks.py; `manage.py worker` runs the queue). The
# database backend needs nothing else to start, on SQLite or PostgreSQL; with REDIS_URL,
# TASKS_BACKEND=rq puts the queue in Redis instead (django-tasks-rq), for many workers.
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower()
if TASKS_BACKEND == "rq" and os.environ.get("REDIS_URL"):
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": os.environ["REDIS_URL"], "DEFAULT_TIMEOUT": 300}}
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}  # runs the jobs as Django tasks
else:
    TASKS_BACKEND = "database"
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded images may come from another origin in production (a media host or a CDN in
# front of MEDIA_ROOT): set MEDIA_URL to it, e.g. https://media.example.com/, and the
# Content-Security-Policy allows images from there.
MEDIA_URL = os.environ.get("MEDIA_URL") or "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded images larger than this many pixels are refused before anything decodes them
# (a small compressed file can declare a huge picture); Pillow's own limit is set to it too.
IMAGES_MAX_PIXELS = int(os.environ.get("IMAGES_MAX_PIXELS", "40000000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The console backend prints mail (reset links included) to the output: fine on a developer's
# machine (DEBUG on), never a default in production, and `check --deploy` warns if it is
# chosen there (newsroom/checks.py).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend" if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
# The file backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) writes
# each message into this folder.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or None
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")

# Served over HTTPS in production: HTTPS=1 turns on redirects, secure cookies and HSTS.
if env_flag("HTTPS"):
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Addresses (CIDR networks) of the reverse proxies before the site. X-Forwarded-For is read
# only from requests that come from one of them; empty: the header is never read.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"


def origin_of(url):
    """The origin of an absolute URL ("https://media.example.com"), None for a path."""
    parts = urlsplit(url)
    if not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme else parts.netloc


# Content-Security-Policy on every response (django-csp). Scripts and styles come only from
# our own static files: no inline <script>, no <style> blocks, no style="..." attributes, in
# templates or in markup built in Python. No nonces either: the header is the same for every
# request, so a cached page stays valid for everyone. Images: ours and the media origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, *filter(None, [origin_of(MEDIA_URL)])],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Public pages (newsroom/pagecache.py): how long shared caches in front (nginx, a CDN) may
# serve an anonymous page without asking (s-maxage), how long they may serve it stale while
# they ask again or while the site is failing, and how long a page stays in the site's own
# cache (it is keyed by version, so a change is never hidden by this; 0 turns it off).
PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "2"))
PUBLIC_CACHE_STALE_WHILE_REVALIDATE = 30
PUBLIC_CACHE_STALE_IF_ERROR = 86400
PAGE_CACHE_SECONDS = 600

SITE_NAME = os.environ.get("SITE_NAME", "Newsroom")
# Words no reader's name may contain (nor anything confusable with them), besides SITE_NAME
# and staff members' names: see newsroom/names.py.
NAMES_RESERVED = env_list("NAMES_RESERVED", "admin,administrator,editor,moderator,staff")
SITE_DESCRIPTION = "News, and the conversation around it."
ARTICLES_PER_PAGE = 20

# Comments (see README.md, "Comments").
COMMENTS_ALLOW_GUESTS = env_flag("COMMENTS_ALLOW_GUESTS")
# Days after publication when discussions close; 0 keeps them open. Articles can override.
COMMENTS_CLOSE_AFTER_DAYS = int(os.environ.get("COMMENTS_CLOSE_AFTER_DAYS", "0"))
COMMENTS_MAX_LENGTH = 10_000
COMMENTS_EDIT_WINDOW_MINUTES = 15
COMMENTS_PER_PAGE = 50  # top-level threads per page; replies come with their thread
COMMENTS_MAX_DEPTH = 8  # deeper replies continue on the comment's own page
# (how many, seconds): a person may post at most this many comments in that window.
COMMENTS_RATE_LIMITS = [(1, 10), (30, 3600)]
COMMENTS_IP_RATE_LIMITS = [(5, 60), (120, 3600)]
# Answers of "this comment does not exist" (hidden comments get the same) per address, so
# nobody can sweep ids to map which comments are pending or removed.
COMMENTS_PROBE_RATE_LIMITS = [(30, 60), (300, 3600)]
# Moderation (see README.md, "Moderation"): this many readers' flags hide a comment until a
# moderator decides; a new account's comments wait until it has this many published ones.
COMMENTS_FLAG_THRESHOLD = int(os.environ.get("COMMENTS_FLAG_THRESHOLD", "3"))
COMMENTS_NEW_ACCOUNT_HOLD = int(os.environ.get("COMMENTS_NEW_ACCOUNT_HOLD", "0"))
# The machine's triage (comments/triage): a comment whose spam or abuse score reaches its
# threshold waits for a moderator (staff and trusted people excepted), and a writer whose
# abuse score reaches it is asked first whether to post it anyway. Above 1: never held.
# The defaults are measured by `manage.py score_report` on the held-out corpus.
COMMENTS_SPAM_HOLD = float(os.environ.get("COMMENTS_SPAM_HOLD", "0.6"))
COMMENTS_ABUSE_HOLD = float(os.environ.get("COMMENTS_ABUSE_HOLD", "0.5"))
# Where `manage.py train_scoring` writes the models it learns from moderators' decisions, and
# where scoring looks for them first (empty: the models shipped with the code are used).
COMMENTS_SCORING_MODELS = os.environ.get("COMMENTS_SCORING_MODELS", "")
# With COMMENTS_SCORING_MODELS set, a worker retrains the models once a day from this hour
# (in TIME_ZONE; empty: never, e.g. when cron runs `manage.py train_scoring` instead).
COMMENTS_SCORING_RETRAIN_HOUR = (int(os.environ.get("COMMENTS_SCORING_RETRAIN_HOUR", "3"))
                                 if os.environ.get("COMMENTS_SCORING_RETRAIN_HOUR", "3").strip() else None)
# Capacity (comments/capacity.py): past any of these (0: that one is off) a discussion is
# pre-moderated until its backlog is down to half of each; at the last one it also closes.
COMMENTS_BACKLOG_ARTICLE = int(os.environ.get("COMMENTS_BACKLOG_ARTICLE", "50"))
COMMENTS_BACKLOG_SITE = int(os.environ.get("COMMENTS_BACKLOG_SITE", "500"))
COMMENTS_BACKLOG_MINUTES = int(os.environ.get("COMMENTS_BACKLOG_MINUTES", "0"))
COMMENTS_BACKLOG_CLOSE = int(os.environ.get("COMMENTS_BACKLOG_CLOSE", "0"))

# Mail (notifications/): links in mail need the site's address, as readers reach it, since
# the worker that writes them answers no request.
SITE_URL = (os.environ.get("SITE_URL") or "http://127.0.0.1:8000").rstrip("/")
# A confirmation link works this many days; a new one may be asked for this often.
EMAIL_CONFIRMATION_DAYS = 3
EMAIL_CONFIRMATION_RESEND_LIMITS = [(1, 60), (5, 86400)]
# Until a new account confirms its address, its comments wait for a moderator ("hold"), or it
# cannot post at all ("refuse").
COMMENTS_UNCONFIRMED_EMAIL = "refuse" if os.environ.get("COMMENTS_UNCONFIRMED_EMAIL") == "refuse" else "hold"
# Past this many reply mails in an hour, further replies to the same person wait for their
# digest (one mail per comment at most, however many come).
NOTIFICATION_REPLY_MAILS_PER_HOUR = 5
# A failed send is tried again after each of these waits (seconds), then marked failed.
NOTIFICATION_RETRY_DELAYS = [60, 300, 1800, 7200, 21600]
# The worker's sweep sends what the queue lost (a task it refused, a worker that stopped):
# comments in the outbox, and mail due, this many seconds ago and still not sent.
NOTIFICATION_SWEEP_AFTER = 60
# Each worker does the periodic work this often (seconds; notifications/periodic.py): the
# sweep, the discussions' backlog check, the nightly retraining when it is due.
TASKS_PERIODIC_SECONDS = int(os.environ.get("TASKS_PERIODIC_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
