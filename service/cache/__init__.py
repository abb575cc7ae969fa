"""The translation cache: what the model made of a masked segment, kept across requests and runs.

* :mod:`service.cache.keys` — the key naming everything that decides a model output;
* :mod:`service.cache.outputs` — the cached form of a model output, and the front the workflow
  asks (:class:`~service.cache.outputs.OutputCache`);
* :mod:`service.cache.store` — what every store does alike (hit and miss counts, key
  de-duplication) and what the server observes of it;
* :mod:`service.cache.sqlite` — a SQLite file (one machine; the default);
* :mod:`service.cache.redis` — Redis (a fleet of servers, ``THAIMT_REDIS_URL``);
* :mod:`service.cache.factory` — the store the settings ask for;
* :mod:`service.cache.collector` — the Prometheus counters.
"""
