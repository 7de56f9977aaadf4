"""The web application: server-rendered pages (Japanese first, English second) and the JSON API.

``create_app()`` builds it; ``keikaku serve`` runs it with uvicorn.
"""

from keikaku.web.app import create_app

__all__ = ["create_app"]
