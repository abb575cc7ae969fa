"""The model on a pool of Ray actors (``thaimt batch --ray``).

The driver (this process) keeps the whole workflow: it prepares documents, de-duplicates their
segments, consults the cache and forms the token-budgeted batches; only the batches of segments
that are missing go to the actors, each of which holds one engine (the model, on CPU or a GPU).

    runtime.py         start a private local Ray runtime, or join a cluster
    pool.py            size the pool to the cluster, create the actors, run batches on them
    actor.py           the actor: one engine; describes its model
    driver_backend.py  the driver's stand-in for the model: the tokenizer only
    errors.py          what can go wrong, as one line for the user

Ray is optional (``pip install 'thaimt[ray]'``) and imported only when a pool is started.
"""
