# syntax=docker/dockerfile:1
#
# One image for every process of the suite. It has no useful default command: docker-compose.yml gives each
# container its own, run from /app, e.g.
#   uvicorn catalog.main:create_app --factory --host 0.0.0.0 --port 8101    a service (or the gateway app)
#   python -m catalog.worker                                                its worker
#   alembic -c services/catalog/alembic.ini upgrade head                    its migrations (CATALOG_DATABASE_URL)
#
# Build: `docker compose build` (or `docker build -t suite .`). Needs BuildKit, the default builder since Docker 23;
# with docker-compose v1 set DOCKER_BUILDKIT=1 COMPOSE_DOCKER_CLI_BUILD=1.

# Both stages use the same Python, so the venv's interpreter link made in the builder is valid at runtime.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
# uv pinned to the version the lockfile is maintained with.
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app

# Third-party dependencies first, from the lockfile and the members' pyproject.toml only, so this layer is rebuilt
# when dependencies change, not on every code change. Keep this list in step with the workspace members
# (tools/tests/test_compose.py checks it).
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/
COPY libs/worker_sdk/pyproject.toml libs/worker_sdk/
COPY services/catalog/pyproject.toml services/catalog/
COPY services/ideation/pyproject.toml services/ideation/
COPY services/production/pyproject.toml services/production/
COPY services/analysis/pyproject.toml services/analysis/
COPY services/gateway/pyproject.toml services/gateway/
COPY workers/pyproject.toml workers/
# The dev-only members (test support, developer tools): only their pyproject.toml, so uv sees the whole workspace;
# `--no-dev` installs neither and .dockerignore keeps their code out of the build context.
COPY libs/testing/pyproject.toml libs/testing/
COPY tools/pyproject.toml tools/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace

# Then the workspace's own packages. They stay editable installs (uv's default) pointing at /app/libs and
# /app/services: the code is in the image once, and the migrations and alembic.ini files sit where the commands
# expect them.
COPY libs ./libs
COPY services ./services
COPY workers ./workers
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev \
 && .venv/bin/python -m compileall -q libs services workers


FROM ${PYTHON_IMAGE}
# A fixed uid/gid, so files in named volumes (the media store) keep a stable owner across image rebuilds.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app \
 && mkdir -p /data/media \
 && chown app:app /data/media
WORKDIR /app
# Owned by root and read-only for the app user: nothing under /app is written at runtime.
COPY --from=builder /app /app
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CATALOG_MEDIA_ROOT=/data/media
USER app
CMD ["python", "-c", "raise SystemExit('suite image: give the command to run (see docker-compose.yml)')"]
