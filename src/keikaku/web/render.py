"""Rendering pages: one Jinja environment (autoescaped, strict), the page context every template gets."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from keikaku.api.auth import RequestAuth, csrf_token, finish_response
from keikaku.services.core.actors import Actor, Permission, is_admin
from keikaku.web import formatting as f
from keikaku.web.i18n import Translator, negotiate

TEMPLATES = Path(__file__).parent / "templates"

NAV = (
    ("/", "nav.dashboard"),
    ("/tree", "nav.tree"),
    ("/plans", "nav.plans"),
    ("/projects", "nav.projects"),
    ("/compare", "nav.compare"),
    ("/action-plan", "nav.action_plan"),
    ("/partners", "nav.partners"),
    ("/search", "nav.search"),
    ("/downloads", "nav.downloads"),
    ("/communications", "nav.communications"),
)


def _lang(context: Context) -> str:
    return str(context.get("lang") or "ja")


#: The house style of dates as filters, in the page's language (see :mod:`keikaku.normalize.date_style`):
#: ``{{ year|fy }}`` 令和8年度（2026年度）, ``{{ day|date }}`` 令和8年10月7日（2026-10-07）, ``{{ at|moment }}``
#: with the time in Japan, ``{{ at|month_day }}`` 12月2日.  The page context's ``fy()``, ``date()`` and
#: ``moment()`` are the same functions.
DATE_FILTERS = {
    "fy": pass_context(lambda context, year: f.fiscal_year(year, _lang(context))),
    "date": pass_context(lambda context, day: f.date_both(day, _lang(context))),
    "moment": pass_context(lambda context, at: f.datetime_both(at, _lang(context))),
    "month_day": f.month_day,
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment: HTML autoescaped, undefined names are errors."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "svg"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(DATE_FILTERS)
    env.globals.update(
        number=f.number,
        percent=f.percent,
        status_class=f.status_class,
        status_key=f.status_key,
        nav=NAV,
    )
    return env


def translator(request: Request) -> Translator:
    """The request's translator (cached on the request)."""
    cached = getattr(request.state, "translator", None)
    if isinstance(cached, Translator):
        return cached
    t = Translator(negotiate(request))
    request.state.translator = t
    return t


def local_path(value: str, default: str) -> str:
    """``value`` if it is a path on this site (not ``//host``, not a URL), else ``default``."""
    if value.startswith("/") and not value.startswith("//") and not any(c == "\\" or ord(c) < 33 for c in value):
        return value
    return default


def query_string(request: Request, **changes: object) -> str:
    """The request's query string with some parameters changed (None removes one), e.g. for paging links."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return ("?" + urlencode(params)) if params else ""


def page_context(request: Request, actor: Actor) -> dict[str, Any]:
    """What every page template gets: the translator, the language, formatters bound to it, the actor."""
    t = translator(request)
    lang = t.lang

    def ja(text: object) -> Markup:
        """Data in Japanese, marked as such when the page is in English (WCAG: language of parts)."""
        if text is None:
            return Markup("—")
        if lang == "ja":
            return Markup.escape(str(text))
        return Markup('<span lang="ja">{}</span>').format(str(text))

    return {
        "request": request,
        "t": t,
        "lang": lang,
        "other_lang": t.other,
        "path": request.url.path,
        "qs": lambda **changes: query_string(request, **changes),
        "ja": ja,
        "yen": lambda v: f.yen(v, lang),
        "date": lambda d: f.date_both(d, lang),
        "dates": lambda a, b=None: f.date_range(a, b, lang),
        "moment": lambda d: f.datetime_both(d, lang),
        "fy": lambda y: f.fiscal_year(y, lang),
        "actor": actor,
        "can_record": actor.can_anywhere(Permission.RECORD_ACTUAL),
        "can_curate": actor.can(Permission.CURATE_LINKS),
        "can_edit": lambda departments: actor.can(Permission.EDIT_PROJECT, departments=departments),
        "staff_nav": staff_nav(actor),
        "csrf_token": lambda: csrf_token(request),
        "csrf_field": lambda: Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token(request)),
        "user": _user(request),
    }


def staff_nav(actor: Actor) -> list[tuple[str, str]]:
    """The staff pages this actor may use, for the second row of the navigation (none for the public)."""
    links: list[tuple[str, str]] = []
    if actor.can_anywhere(Permission.RECORD_ACTUAL):
        links.append(("/actuals/import", "nav.import"))
    if actor.can_anywhere(Permission.MANAGE_EVENTS):
        links.append(("/events", "nav.events"))
        if actor.departments:
            links.append(("/cycle", "nav.checklist"))
    if is_admin(actor):
        links += [
            ("/admin/cycle", "nav.cycle"),
            ("/admin/audit", "nav.audit"),
            ("/admin/publication", "nav.publication"),
            ("/admin/periods", "nav.periods"),
            ("/admin/thresholds", "nav.thresholds"),
            ("/admin/users", "nav.users"),
        ]
    return links


def _user(request: Request) -> Any:
    """The logged-in account (None for a visitor or an API token)."""
    auth = getattr(request.state, "auth", None)
    return auth.session.user if isinstance(auth, RequestAuth) and auth.session is not None else None


def render(
    request: Request,
    actor: Actor,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    json_url: str | None = None,
) -> HTMLResponse:
    """Render a page; ``json_url`` is its JSON twin, linked from the page."""
    values = page_context(request, actor)
    values["json_url"] = json_url
    values.update(context)
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    response.headers["content-language"] = values["lang"]
    finish_response(request, response)
    return response
