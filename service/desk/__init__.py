"""The translation desk: what a team keeps on the server beside the model.

* :mod:`service.desk.teams` — which team an API key belongs to, and whether it may write;
* :mod:`service.desk.glossaries` — named glossaries (Thai → English entries and terms kept as
  written), their records and checks;
* :mod:`service.desk.glossary_files` — glossary entries as TSV, CSV and TBX;
* :mod:`service.desk.memory` — translation memory units: an approved translation of a masked
  segment, and how one applies to a segment with other numbers or names in it;
* :mod:`service.desk.fuzzy` — the close-match index (rapidfuzz over a trigram-chosen few);
* :mod:`service.desk.tmx` — memory units in and out of TMX (translate-toolkit);
* :mod:`service.desk.store` — what a desk store keeps (the API other front ends call, e.g. a
  DeepL-shaped glossary route) and :mod:`service.desk.sqlite` / :mod:`service.desk.redis`, the
  two places it keeps them (one machine / every replica);
* :mod:`service.desk.lookup` — a team's memory as the workflow asks it (exact, then close);
* :mod:`service.desk.factory` — the store the settings ask for;
* :mod:`service.desk.bilingual` — a side-by-side export (.docx, .xlsx) of edited sentences.

Nothing here speaks HTTP; the routes are in :mod:`service.http`.
"""
