# Launchbay API container: the Chalice app behind gunicorn (sync workers, its C request parser).
#   docker build -t launchbay-api .
#   docker run -p 8000:8000 -e LAUNCHBAY_JWT_SECRET=... -e REDIS_URL=redis://redis:6379/0 launchbay-api
# gunicorn's C request parser (gunicorn_h1c) comes as source only: built here, with a compiler
# the final image does not carry.
FROM python:3.11-slim AS wheels
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels gunicorn_h1c==0.6.10

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LAUNCHBAY_BIND=0.0.0.0:8000 \
    LAUNCHBAY_DATA_DIR=/var/lib/launchbay

WORKDIR /app

# Lambda provides boto3; a container must bring it (and the X-Ray SDK for per-request segments). tantivy backs the embedded
# search index when OPENSEARCH_URL is not set. Pins as in requirements-dev.txt.
COPY requirements.txt ./
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir -r requirements.txt /wheels/*.whl \
        chalice==1.34.0 gunicorn==27.0.1 boto3==1.44.8 tantivy==0.27.0 aws-xray-sdk==2.15.0 \
    && rm -rf /wheels

RUN groupadd --gid 10001 launchbay \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin launchbay \
    && mkdir -p /var/lib/launchbay \
    && chown 10001:10001 /var/lib/launchbay

COPY app.py gunicorn.conf.py ./
COPY chalicelib/ ./chalicelib/

# launchbay, numeric so that runAsNonRoot checks can verify it
USER 10001:10001
VOLUME ["/var/lib/launchbay"]
EXPOSE 8000

# Liveness: the server answers. 503 (a dependency such as Redis or AWS is down) still
# counts as alive, or every replica would be killed at once on a dependency blip;
# the load balancer's target-group check on /v1/health handles readiness.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request, urllib.error\ntry:\n    urllib.request.urlopen('http://127.0.0.1:8000/v1/health', timeout=4)\nexcept urllib.error.HTTPError as e:\n    sys.exit(0 if e.code == 503 else 1)"]

CMD ["gunicorn", "-c", "gunicorn.conf.py", "chalicelib.api.wsgi:application"]
