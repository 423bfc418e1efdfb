"""gunicorn settings for the portal (`gunicorn config.wsgi --config config/gunicorn.conf.py`).

Sync workers: each request is short and bound by CPU and PostgreSQL, so one request per
process at a time is the cheapest model. Command-line options and GUNICORN_CMD_ARGS override
these. See docs/decisions/0011-performance.md.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
timeout = 30
# Each worker imports the application itself: nothing (a database or Redis connection opened
# while importing) is shared across a fork.
preload_app = False
# Replace a worker now and then, so a slow leak cannot grow without bound.
max_requests = 20000
max_requests_jitter = 2000
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Access logs carry URLs; the portal keeps them off (see LOGGING in config/settings.py).
accesslog = None
