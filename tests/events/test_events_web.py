"""The public pages without JavaScript: register until full, the ticket with its QR code, cancel, check in,
answer the survey, the KPI's computed value; names only for staff; English through the locale files."""

import datetime as dt

from sqlalchemy import Engine
from tests.web.conftest import make_client

from keikaku.services.core.actors import PUBLIC
from keikaku.services.events.manage import EventForm, create_event
from keikaku.services.measures.compute import compute_kpi
from keikaku.services.measures.definitions import bind_measure
from keikaku.services.surveys.responses import create_survey

from .conftest import forum_project


def test_public_registration_cycle(sqlite_loaded_engine: Engine) -> None:
    engine = sqlite_loaded_engine
    forum = forum_project(engine)
    day = dt.date.today() + dt.timedelta(days=20)
    event = create_event(
        EventForm(
            project_id=forum.project_id,
            name="フォーラム",
            kind="forum",
            start_date=day.isoformat(),
            capacity="1",
            department=forum.department,
            published=True,
        ),
        actor=forum.editor,
        engine=engine,
    )
    with make_client(engine, PUBLIC) as public, make_client(engine, forum.editor) as staff:
        page = public.get(f"/events/{event.id}/register")
        assert page.status_code == 200 and 'data-testid="privacy"' in page.text and "<script" not in page.text
        data = {"name": "大阪 太郎", "email": "taro@example.jp", "consent": "yes"}
        assert public.post(f"/events/{event.id}/register", data={**data, "consent": ""}).status_code == 422
        bad = public.post(f"/events/{event.id}/register", data={**data, "corporate_number": "1234567890123"})
        assert bad.status_code == 422 and "チェックデジット" in bad.text
        first = public.post(f"/events/{event.id}/register", data=data, follow_redirects=False)
        assert first.status_code == 303
        ticket = public.get(first.headers["location"]).text
        assert "受付済" in ticket and "data:image/svg+xml" in ticket
        second = public.post(f"/events/{event.id}/register", data={**data, "email": "hana@example.jp"})
        assert "キャンセル待ち" in second.text
        token = first.headers["location"].rsplit("/", 1)[1]
        staff_page = staff.get(f"/events/{event.id}/participants")
        assert "大阪 太郎" in staff_page.text
        assert public.get(f"/events/{event.id}/participants").status_code == 403
        assert (
            staff.post(
                f"/events/{event.id}/checkins", data={"token": token, "day": day.isoformat()}, follow_redirects=False
            ).status_code
            == 303
        )

        survey = create_survey(event.id, "", ["useful5", "comment"], actor=forum.editor, engine=engine)
        q = survey.questions[0]
        answered = public.post(f"/s/{survey.token}", data={f"q{q.id}": "very_useful", "invitation": token})
        assert 'data-testid="thanks"' in answered.text
        assert public.post(f"/s/{survey.token}", data={f"q{q.id}": "7"}).status_code == 422

        bind_measure(forum.kpis["参加者数"], "attended_people", [event.id], actor=forum.editor, engine=engine)
        compute_kpi(forum.kpis["参加者数"], actor=forum.editor, engine=engine)
        seen = public.get(f"/kpis/{forum.kpis['参加者数']}/measure")
        assert seen.status_code == 200 and 'data-testid="names"' not in seen.text and "大阪 太郎" not in seen.text
        assert "大阪 太郎" in staff.get(f"/kpis/{forum.kpis['参加者数']}/measure").text
        english = public.get(f"/events/{event.id}/register?lang=en").text
        assert "How we use your personal data" in english
