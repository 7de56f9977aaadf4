"""The ASGI application ``keikaku serve`` runs (``uvicorn keikaku.web.asgi:app``): configured from the
environment, with a connection pool sized for the server, the search index and the partner links brought up to
date at start-up, and the reminder job of the calls for actuals running."""

from keikaku.services.core.db import server_engine
from keikaku.web.app import create_app
from keikaku.web.settings import WebSettings, reminder_interval

app = create_app(WebSettings(engine=server_engine(), sync_on_start=True, reminder_interval=reminder_interval()))
