"""The ASGI application ``keikaku serve`` runs (``uvicorn keikaku.web.asgi:app``): configured from the
environment, with a connection pool sized for the server, and with the search index and the partner links
brought up to date at start-up."""

from keikaku.services.core.db import server_engine
from keikaku.web.app import create_app
from keikaku.web.settings import WebSettings

app = create_app(WebSettings(engine=server_engine(), sync_on_start=True))
