"""State shared between requests, processes and replicas: translation caches (SQLite on one
disk, or Redis for a fleet), per-key character budgets, and how their faults are tracked.

Nothing here speaks HTTP: faults become misses, fallbacks or exceptions the HTTP layer answers.
"""
