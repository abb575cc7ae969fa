"""Translation models: loading by hub id or local directory, model families, backends.

The rest of thaimt only sees :class:`models.backend.Backend`; which engine (transformers/torch or
CTranslate2) and which family (Marian, NLLB-200, M2M100) sits behind it is decided here.
"""
