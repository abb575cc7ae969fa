"""``python -m service.cli`` runs the ``thaimt`` command."""

import sys

from service.cli.main import main

sys.exit(main())
