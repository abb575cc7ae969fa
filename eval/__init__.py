"""Evaluation: score any model the service can load, through the service's own pipeline.

``testsets`` loads aligned source/reference files, ``runner`` translates them (or reads existing
hypotheses), ``metrics`` scores them with sacrebleu plus our own term-keeping and
untranslated-line checks, and ``report`` writes report.md, report.json, the hypotheses and a chart.
"""
