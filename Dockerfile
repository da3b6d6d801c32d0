# Vínculo's worker and scheduler image. Configured only through VINCULO_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY engine ./engine
COPY streams ./streams
RUN pip install . && useradd --create-home --uid 10001 vinculo
USER vinculo
ENTRYPOINT ["vinculo"]
CMD ["worker"]
