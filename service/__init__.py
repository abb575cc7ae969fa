"""thaimt service: text processing, the article pipeline, batching, HTTP, files and the CLI."""
