"""The web page's static files (``static/``), served by :mod:`service.http.routes_web`."""
