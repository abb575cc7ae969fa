"""Batch file translation: find inputs, decode them, translate across files, write outputs
atomically and record them in a resumable manifest."""
