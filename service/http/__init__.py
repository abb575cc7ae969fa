"""The HTTP layer: FastAPI app, routers, schemas, limits and metrics. No NLP in here."""
