"""Settings for Legal CRM, read from environment variables.

With no variables at all the project runs on embedded defaults: SQLite, a
filesystem Celery broker and email written to files, all under ``var/``.
Production sets ``DEBUG=false``, ``SECRET_KEY``, ``ALLOWED_HOSTS``,
``DATABASE_URL``, ``REDIS_URL`` and ``EMAIL_URL``.

https://docs.djangoproject.com/en/5.2/ref/settings/
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Everything the embedded defaults write (database, broker queues, mail,
# beat schedule) goes under one folder that git ignores.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)

# A development key is only acceptable while DEBUG is on. Production must give
# its own, so that sessions and password reset links cannot be forged.
_DEVELOPMENT_SECRET_KEY = "development-only-key-not-for-production-use-0000000000"
SECRET_KEY = env.str("SECRET_KEY", default=_DEVELOPMENT_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is missing. With DEBUG=false set SECRET_KEY to a random "
        "string of at least 50 characters, for example the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "crm_site.apps.CrmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crm_site",
    "accounts",
    "clients",
    "feedback",
    "kpis",
]

MIDDLEWARE = [
    # First, so that every log record of the request carries its id.
    "crm_site.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crm_site.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.otp_device from the session, for user.is_verified().
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After the user, messages and htmx are known: it signs out, leaves a
    # message and redirects htmx requests differently.
    "crm_site.middleware.SessionIdleTimeoutMiddleware",
    # After idle sign-out, so that an expired session is not asked for a code.
    "accounts.two_factor.TwoFactorMiddleware",
    # Axes must come last so that it sees the outcome of every sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm_site.urls"
WSGI_APPLICATION = "crm_site.wsgi.application"
ASGI_APPLICATION = "crm_site.asgi.application"

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
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another, for example
# postgres://user:password@127.0.0.1:5432/legal_crm
DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'legal_crm.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker started by a test can open
    # the same test database as the test process. The process id keeps two
    # test runs on one checkout apart.
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / f"test_legal_crm_{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker read while the web server writes.
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # The process id keeps concurrent test runs against one server apart.
    DATABASES["default"]["TEST"] = {
        "NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"
    }
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes checks the lockout before any other backend sees the password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)

# Sign-in lockout: https://django-axes.readthedocs.io/en/latest/4_configuration.html
# Locking by account rather than by address, because a council's staff often
# share one outgoing address and an attacker can change theirs.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Axes warns when the address is not part of the lockout key. Here it is left
# out on purpose, for the reason above.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.security.lockout_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Axes takes the client address from the audit trail's function, so that a
# lockout behind a proxy names the client rather than the proxy.
AXES_CLIENT_IP_CALLABLE = "accounts.audit.client_ip"

# Reverse proxies (addresses or networks, such as 127.0.0.1 for nginx on the
# same machine) whose X-Forwarded-For header is trusted, as the nginx section
# of docs/deployment.md explains. When empty, the header is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Two-factor sign-in (django-otp): TOTPDevice.config_url puts the issuer in
# the set-up QR code, and authenticator apps show it beside the code.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Legal CRM")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# The front-end packages are served straight from node_modules, so npm's
# lock file pins what the browser gets and nothing is copied into git.
_NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", _NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", _NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", _NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chart.js", _NODE_MODULES / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: files under var/mail unless EMAIL_URL names an SMTP server, for
# example smtp+tls://user:password@mail.example.org:587
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Legal CRM <legal-crm@example.org>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The address users reach the site at, which links in emails start with.
# Emails are sent from Celery workers with no request to take the host from.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"SITE_URL {SITE_URL!r} is invalid. Set it to the site's address "
        "with its scheme, for example https://legal-crm.example.org"
    )

# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
else:
    # The filesystem transport needs no server: the web process and the
    # worker exchange messages as files under var/celery.
    _BROKER_DIR = VAR_DIR / "celery"
    for _folder in ("queue", "processed", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # The exchange bindings. Without this option kombu keeps them in a
        # "control" folder in the current directory.
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The hour at which lawyers receive their daily follow-up digest, London time.
DIGEST_HOUR = env.int("DIGEST_HOUR", default=7)

# Imports: a file with more data rows than this is checked and applied by a
# Celery task, with a progress bar, rather than in the web request.
IMPORT_BACKGROUND_ROWS = env.int("IMPORT_BACKGROUND_ROWS", default=2000)

# Client portal: complaint targets, counted in England and Wales working
# days from the day a complaint is received, and how long an emailed portal
# invitation stays valid.
COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = env.int(
    "COMPLAINT_ACKNOWLEDGE_WORKING_DAYS", default=3
)
COMPLAINT_RESOLVE_WORKING_DAYS = env.int("COMPLAINT_RESOLVE_WORKING_DAYS", default=20)
PORTAL_INVITATION_DAYS = env.int("PORTAL_INVITATION_DAYS", default=7)

# Satisfaction surveys. Invitations and reminders go out on working days
# between these two London times (HH:MM). A closed matter invites its client
# contact unless any survey invited them in the last SURVEY_COOLDOWN_DAYS.
# A rating at or below SURVEY_LOW_RATING (1 to 5), or an NPS score at or
# below SURVEY_LOW_NPS (0 to 10), creates a follow-up due in
# SURVEY_FOLLOW_UP_WORKING_DAYS for the client's relationship owner.
SURVEY_WORKING_HOURS_START = env.str("SURVEY_WORKING_HOURS_START", default="09:00")
SURVEY_WORKING_HOURS_END = env.str("SURVEY_WORKING_HOURS_END", default="17:30")
# With false, survey emails go out whenever the sweep runs, at any hour.
SURVEY_WORKING_HOURS_ONLY = env.bool("SURVEY_WORKING_HOURS_ONLY", default=True)
SURVEY_COOLDOWN_DAYS = env.int("SURVEY_COOLDOWN_DAYS", default=90)
SURVEY_LOW_RATING = env.int("SURVEY_LOW_RATING", default=2)
SURVEY_LOW_NPS = env.int("SURVEY_LOW_NPS", default=6)
SURVEY_FOLLOW_UP_WORKING_DAYS = env.int("SURVEY_FOLLOW_UP_WORKING_DAYS", default=3)

# Key account health (red, amber, green). clients/health.py explains each
# rule. Days and counts are whole numbers; scores are average ratings, 1 to 5.
KEY_ACCOUNT_HEALTH = {
    "contact_amber_grace_days": env.int("HEALTH_CONTACT_AMBER_GRACE_DAYS", default=14),
    "satisfaction_green_min": env.float("HEALTH_SATISFACTION_GREEN_MIN", default=4.0),
    "satisfaction_amber_min": env.float("HEALTH_SATISFACTION_AMBER_MIN", default=3.0),
    "complaints_red_min": env.int("HEALTH_COMPLAINTS_RED_MIN", default=2),
    "overdue_actions_red_min": env.int("HEALTH_OVERDUE_ACTIONS_RED_MIN", default=3),
    "missed_promises_window_days": env.int(
        "HEALTH_MISSED_PROMISES_WINDOW_DAYS", default=90
    ),
    "missed_promises_red_min": env.int("HEALTH_MISSED_PROMISES_RED_MIN", default=2),
    "review_red_after_days": env.int("HEALTH_REVIEW_RED_AFTER_DAYS", default=30),
}
# Relationship strength: each contact's weight halves every this many days,
# and a staff member's relationship with a contact counts as strong from
# this strength (1.0 is one contact today).
RELATIONSHIP_HALF_LIFE_DAYS = env.int("RELATIONSHIP_HALF_LIFE_DAYS", default=90)
RELATIONSHIP_STRONG_MIN = env.float("RELATIONSHIP_STRONG_MIN", default=1.5)

# Writes select boxes in one pass; long staff lists made them a list page's
# slowest part. Other widgets render as Django's default renderer does.
# https://docs.djangoproject.com/en/5.2/ref/forms/renderers/
FORM_RENDERER = "crm_site.form_renderer.FormRenderer"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Security headers. The HTTPS settings only apply with DEBUG off, because the
# development server speaks plain HTTP.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# More security headers, on every response. Django's SecurityMiddleware sends
# Cross-Origin-Opener-Policy, Referrer-Policy and X-Content-Type-Options,
# XFrameOptionsMiddleware sends X-Frame-Options, and django-csp sends the
# Content Security Policy:
# https://django-csp.readthedocs.io/en/latest/configuration.html
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Every script, style sheet, font and image comes from this site's own static
# files, and no page has an inline script, event handler or style attribute.
# style-src needs no 'unsafe-inline': Bootstrap, Popper and Chart.js set
# styles through the CSSOM (element.style), which CSP does not restrict, and
# both layouts tell htmx not to inject its <style> element for indicators.
# Bootstrap's CSS draws its form and navbar icons as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features the site never uses, turned off for every origin by
# crm_site.middleware.PermissionsPolicyMiddleware.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
# The health endpoint answers over plain HTTP too, so that a load balancer
# can poll it without TLS. The patterns match the path without its leading /.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]


def _positive_int(name, default):
    value = env.int(name, default=default)
    if value < 1:
        raise ImproperlyConfigured(
            f"{name} {value} is invalid. Set it to a whole number of 1 or more."
        )
    return value


# Idle sign-out, by crm_site.middleware.SessionIdleTimeoutMiddleware: the
# minutes a signed-in session may go without a request, for staff and for
# portal users. SESSION_COOKIE_AGE still ends every session after that long.
SESSION_IDLE_TIMEOUT_MINUTES = _positive_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)
PORTAL_SESSION_IDLE_TIMEOUT_MINUTES = _positive_int(
    "PORTAL_SESSION_IDLE_TIMEOUT_MINUTES", 60
)

# The health endpoint at /health/ fails its scheduler check when the last
# heartbeat (a beat job that runs every minute) is older than this.
HEALTH_SCHEDULER_MAX_AGE_SECONDS = _positive_int(
    "HEALTH_SCHEDULER_MAX_AGE_SECONDS", 5 * 60
)

# Logging: one line per record, as text (LOG_FORMAT=line) or JSON
# (LOG_FORMAT=json), with the request id and the Celery task id, and with
# passwords, tokens, secrets and email addresses redacted. crm_site/log.py
# has the filter that adds the ids and the formatters that redact.
# https://docs.djangoproject.com/en/5.2/topics/logging/#configuring-logging
LOG_FORMAT = env.str("LOG_FORMAT", default="line")
if LOG_FORMAT not in ("line", "json"):
    raise ImproperlyConfigured(
        f"LOG_FORMAT {LOG_FORMAT!r} is invalid. Set it to line or json."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "crm_site.log.ContextFilter"},
    },
    "formatters": {
        "line": {
            "()": "crm_site.log.LineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s "
            "request=%(request_id)s task=%(task_id)s %(message)s",
        },
        "json": {"()": "crm_site.log.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default logging gives these two handlers of their own,
        # which neither redact nor add the ids. Configuring the loggers here
        # removes those handlers, so their records reach the root's console.
        "django": {"propagate": True},
        "django.server": {"propagate": True},
        # Axes logs every sign-in at INFO; accounts.security logs lockouts.
        "axes": {"level": "WARNING"},
    },
}

# KPIs: the chargeable hours each member of staff who records time is
# expected to record in a month, the target of the utilisation KPI.
KPI_CHARGEABLE_HOURS_PER_MONTH = env.int("KPI_CHARGEABLE_HOURS_PER_MONTH", default=100)

# Retention of personal data. Every night clients.privacy.retention blanks
# the names, emails and free text of records older than these periods, and
# deletes the rows that statistics do not need, except under a legal hold.
# The Data protection section of docs/deployment.md lists what each covers.
RETENTION_CONTACT_LOG_YEARS = _positive_int("RETENTION_CONTACT_LOG_YEARS", 6)
RETENTION_SURVEY_YEARS = _positive_int("RETENTION_SURVEY_YEARS", 3)
RETENTION_FEEDBACK_YEARS = _positive_int("RETENTION_FEEDBACK_YEARS", 6)
RETENTION_PORTAL_INVITATION_DAYS = _positive_int(
    "RETENTION_PORTAL_INVITATION_DAYS", 365
)
RETENTION_IMPORT_FILE_DAYS = _positive_int("RETENTION_IMPORT_FILE_DAYS", 90)
RETENTION_MATTER_YEARS = _positive_int("RETENTION_MATTER_YEARS", 6)
RETENTION_AUDIT_YEARS = _positive_int("RETENTION_AUDIT_YEARS", 7)
