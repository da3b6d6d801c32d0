# Vínculo's worker and scheduler image. Configured only through VINCULO_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# PyICU (needed by followthemoney, for the FtM export) builds against ICU
RUN apt-get update && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY engine ./engine
COPY streams ./streams
COPY browser ./browser
# The data folder (resolver snapshots, watch/poll positions) is a volume owned by the worker's user:
# created here with that owner, so a named volume mounted on it inherits it; private (0700).
ENV VINCULO_HOME=/var/lib/vinculo
RUN pip install . && useradd --create-home --uid 10001 vinculo \
    && mkdir -p /var/lib/vinculo && chown vinculo:vinculo /var/lib/vinculo && chmod 0700 /var/lib/vinculo
USER vinculo
VOLUME ["/var/lib/vinculo"]
ENTRYPOINT ["vinculo"]
CMD ["worker"]
