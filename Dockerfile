# syntax=docker/dockerfile:1
# The production image. Three stages: Node builds the moderator console, `python -m build` makes
# the wheel that carries it, and a slim Python runtime installs the wheel with the locked runtime
# requirements only (no dev or test extras, no embedded database), run as a non-root user.
#
#   docker build -t thanglong .
#   docker run IMAGE            # the Procfile's web
#   docker run IMAGE worker     # the push worker
#   docker run IMAGE release    # indexes and content, once per deploy
#
# The entry points are the Procfile's own commands (see ENTRYPOINT), so they cannot drift apart.

FROM node:20-bookworm-slim AS console
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
# What vite.config.mts reads: the console's sources, its GraphQL documents and the area/department
# content it bundles.
COPY backend/console/web backend/console/web
COPY graphql/operations/console graphql/operations/console
COPY content content
RUN npm run build:console


FROM python:3.13-slim AS wheel
WORKDIR /src
RUN pip install --no-cache-dir build==1.6.1
COPY pyproject.toml README.md ./
COPY backend backend
COPY notifications notifications
COPY content content
COPY graphql graphql
COPY --from=console /src/backend/console/dist backend/console/dist
RUN python -m build --wheel --outdir /wheels


FROM python:3.13-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/thanglong-metrics
# NO_GCE_CHECK is deliberately not set: on Google Cloud, without GOOGLE_APPLICATION_CREDENTIALS,
# firebase-admin takes the runtime's service account from the metadata server.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app
COPY requirements/runtime.txt /tmp/runtime.txt
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes -r /tmp/runtime.txt \
    && rm /tmp/runtime.txt
COPY --from=wheel /wheels /tmp/wheels
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps /tmp/wheels/*.whl && rm -r /tmp/wheels
COPY Procfile /app/Procfile
WORKDIR /app
USER app
EXPOSE 8000
# /readyz: the process answers and the database does. A worker or release container has no HTTP
# server: disable the check for those (compose: `healthcheck: {disable: true}`).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/readyz', timeout=4)"]
# `docker run IMAGE NAME` runs the Procfile's NAME entry through bash, as a platform does.
ENTRYPOINT ["/bin/bash", "-c", "entry=$(sed -n \"s/^$0: //p\" /app/Procfile); [ -n \"$entry\" ] || { echo \"no Procfile entry named $0\" >&2; exit 64; }; exec /bin/bash -c \"$entry\""]
CMD ["web"]
