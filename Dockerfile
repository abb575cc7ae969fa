# thaimt — CPU image: the server with one model baked in at build time, ready to run in int8.
#
#   docker build --build-arg MODEL=Helsinki-NLP/opus-mt-th-en -t thaimt .
#   docker run -p 8000:8000 -e THAIMT_API_KEYS='["secret"]' -v thaimt-data:/data thaimt
#
# Configure with THAIMT_* variables (see docs/settings.md). The model is downloaded and converted
# for CTranslate2 while building, so the running container needs no network access
# (HF_HUB_OFFLINE=1) and starts without converting anything. /data holds the translation cache
# (and conversions of any other model you mount); it must be writable by uid 10001.
#
# torch comes from PyPI by default (its Linux wheel brings CUDA libraries, several GB). For a
# much smaller CPU-only image:
#   docker build --build-arg TORCH_INDEX=https://download.pytorch.org/whl/cpu -t thaimt .
#
# GPU variant: start FROM nvidia/cuda:12.8.0-runtime-ubuntu24.04 (plus python3.11), keep the
# PyPI torch, set THAIMT_DEVICE=cuda (backend auto then runs CTranslate2 in float16; set
# THAIMT_DTYPE=int8_float16 for int8 weights) and raise THAIMT_MAX_BATCH_SIZE; run with
# `docker run --gpus all`. One process per GPU.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from the project's metadata and pins only: this layer (torch included) is
# reused while only the code changes.
ARG TORCH_INDEX=""
COPY pyproject.toml constraints.txt ./
RUN pip install -c constraints.txt ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} torch==2.13.0 \
    && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && python -c "import ctranslate2, fastapi_offline, torch" \
    && rm /tmp/requirements.txt

# Then the code, installed without touching the dependencies.
COPY README.md ./
COPY models ./models
COPY service ./service
COPY eval ./eval
RUN pip install --no-deps .

RUN useradd --create-home --uid 10001 thaimt \
    && mkdir -p /models /data \
    && chown thaimt:thaimt /models /data
USER thaimt

# The model, and its CTranslate2 int8 conversion (what backend auto loads on a CPU). The
# transformers directory stays for THAIMT_BACKEND=torch THAIMT_MODEL=/models/model.
ARG MODEL=Helsinki-NLP/opus-mt-th-en
RUN thaimt download "$MODEL" --dir /models/model \
    && thaimt convert /models/model /models/model-ct2 --quantization int8

ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    THAIMT_MODEL=/models/model-ct2 \
    THAIMT_DEVICE=cpu \
    THAIMT_HOST=0.0.0.0 \
    THAIMT_PORT=8000 \
    THAIMT_CACHE_DIR=/data \
    THAIMT_DESK_PATH=/data/desk.sqlite3
VOLUME ["/data"]
EXPOSE 8000

# /ready is 200 only once the model is loaded and warmed up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/ready' % os.environ.get('THAIMT_PORT', '8000'), timeout=4)" || exit 1

# Exec form: thaimt is PID 1 and gets SIGTERM (docker stop) directly; it drains and exits 0.
# Bound to 0.0.0.0 without THAIMT_API_KEYS it logs a warning at start; an unwritable /data is
# one error line and exit 2.
CMD ["thaimt", "serve"]
