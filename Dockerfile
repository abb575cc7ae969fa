# thaimt — CPU image: the server with one model baked in at build time.
#
#   docker build --build-arg MODEL=Helsinki-NLP/opus-mt-th-en -t thaimt .
#   docker run -p 8000:8000 -e THAIMT_API_KEYS='["secret"]' thaimt
#
# Configure with THAIMT_* variables (see README: settings). The model is downloaded while
# building, so the running container needs no network access (HF_HUB_OFFLINE=1).
#
# GPU variant: start FROM nvidia/cuda:12.8.0-runtime-ubuntu24.04 (plus python3.11), install torch
# from https://download.pytorch.org/whl/cu128 instead of the CPU index (drop the "+cpu" pin),
# set THAIMT_DEVICE=cuda (or THAIMT_BACKEND=ct2 with THAIMT_DTYPE=int8_float16) and raise
# THAIMT_MAX_BATCH_SIZE; run with `docker run --gpus all`. One process per GPU.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (their layer is reused while only the code changes). torch comes from the
# PyTorch CPU index: the default PyPI wheel pulls gigabytes of CUDA libraries.
COPY pyproject.toml constraints.txt README.md ./
COPY models ./models
COPY service ./service
COPY eval ./eval
RUN pip install -c constraints.txt --extra-index-url https://download.pytorch.org/whl/cpu \
        "torch==2.13.0+cpu" \
    && pip install -c constraints.txt --extra-index-url https://download.pytorch.org/whl/cpu .

RUN useradd --create-home --uid 10001 thaimt \
    && mkdir -p /models /data \
    && chown thaimt:thaimt /models /data
USER thaimt

ARG MODEL=Helsinki-NLP/opus-mt-th-en
RUN thaimt download "$MODEL" --dir /models/model

ENV HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    THAIMT_MODEL=/models/model \
    THAIMT_DEVICE=cpu \
    THAIMT_HOST=0.0.0.0 \
    THAIMT_PORT=8000 \
    THAIMT_CACHE_PATH=/data/cache.sqlite3
VOLUME ["/data"]
EXPOSE 8000

# /ready is 200 only once the model is loaded and warmed up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/ready' % os.environ.get('THAIMT_PORT', '8000'), timeout=4)" || exit 1

# Exec form: thaimt is PID 1 and gets SIGTERM (docker stop) directly; it drains and exits 0.
CMD ["thaimt", "serve"]
