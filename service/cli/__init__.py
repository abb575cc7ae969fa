"""The ``thaimt`` command: one module per subcommand, wired together in :mod:`service.cli.main`."""
