"""``thaimt bench``: how fast thaimt translates, and how far that is from the machine's limit.

One module per concern, read in the order a run goes:

* ``config`` — what to measure (``BenchConfig``, ``Variant``);
* ``models`` — the base-size random model and its CTranslate2 conversions, the default backend;
* ``inputs`` — FLORES sentences, and the open-loop request mix (sentences, articles, Libre);
* ``adapters`` — every use of the engine, pipeline and backend internals, in one place;
* ``engine`` — offline engine throughput, engine vs the raw library, the cache;
* ``desk`` — what the translation memory adds to a cache-hit request (``--desk``);
* ``roofline`` — this machine's fp32 / int8 GEMM peak and the model's FLOP count;
* ``loadgen`` — the lean HTTP/1.1 load generator (closed loops, timed arrivals);
* ``server`` — ``thaimt serve`` subprocesses, ``/metrics`` scraping, closed-loop and paired rounds;
* ``openloop`` — capacity, then Poisson arrivals at fractions of it;
* ``sweep`` — batching defaults from open-loop figures (``thaimt bench --sweep``);
* ``profile`` — where the model time goes (``thaimt bench --profile``);
* ``run`` — one whole run and its summary ratios; ``results`` its dataclasses;
* ``report`` and ``plot`` — Markdown, JSON and PNG.

Nothing in the server imports this package (it ships as the ``bench`` extra's code).
"""
