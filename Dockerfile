# mysteryshop: one image for web (gunicorn), Celery worker, Celery beat and
# one-off management commands. Configuration comes only from the environment
# at run time (see .env.example and docker-compose.yml).
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    GUNICORN_WORKERS=3 \
    GUNICORN_THREADS=4

# WeasyPrint's native libraries and a font; gettext for compilemessages.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.lock .
RUN pip install -r requirements.lock

COPY . .

# Translations and static files are baked into the image. The secret key and
# allowed hosts here are throwaway values that exist only for this command;
# the real ones are given at run time. Code stays root-owned (read-only for the
# app user); only var/ (beat schedule) and media/ are writable.
RUN python manage.py compilemessages --ignore='.venv/*' \
 && DJANGO_ENV=production \
    DJANGO_SECRET_KEY=build-time-only-not-a-secret-just-long-enough-for-the-check \
    DJANGO_ALLOWED_HOSTS=localhost \
    SITE_URL=http://localhost \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var /app/media \
 && chown -R app:app /app/var /app/media

USER app

EXPOSE 8000

# Shell form through sh -c so the GUNICORN_* sizes are read at start; exec keeps
# gunicorn as PID 1 so it receives SIGTERM and shuts down gracefully. gthread:
# GUNICORN_WORKERS processes (2 x CPU cores + 1, divided among web replicas) of
# GUNICORN_THREADS threads each; a process is replaced after ~1000 requests.
# The processes add up their /metrics figures in an empty tmpfs folder.
CMD ["sh", "-c", "export PROMETHEUS_MULTIPROC_DIR=/dev/shm/metrics && rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec gunicorn mysteryshop.wsgi:application --bind 0.0.0.0:8000 --worker-class gthread --workers \"${GUNICORN_WORKERS:-3}\" --threads \"${GUNICORN_THREADS:-4}\" --max-requests 1000 --max-requests-jitter 100 --access-logfile - --error-logfile - --worker-tmp-dir /dev/shm"]
