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
RUN pip install . && useradd --create-home --uid 10001 vinculo
USER vinculo
ENTRYPOINT ["vinculo"]
CMD ["worker"]
