"""Closing a case sends its satisfaction survey: a survey of the surveys package (no event; owned by the
platform's department) asking the bank's ``platform5`` (満足〜不満) and a free comment.  Its public link is
``/s/{token}``; it is mailed to the case's contact through the outbox when the case has one, and shown on the
case page for the coordinator to hand over otherwise.  A case reopened and closed again keeps its first
survey (one survey per case).  利用満足度 is computed from these answers
(:func:`keikaku.services.platform.counts.satisfaction`).
"""

from __future__ import annotations

import os

from sqlalchemy.orm import Session

from keikaku.services.core.actors import Actor
from keikaku.services.cycle.reminders import BASE_URL_ENV, DEFAULT_BASE_URL
from keikaku.services.events.mail import queue_mail
from keikaku.services.platform.common import PLATFORM_DEPARTMENT
from keikaku.services.platform.counts import SATISFACTION_QUESTION
from keikaku.services.surveys.responses import add_survey
from keikaku.storage import events as event_store
from keikaku.storage import platform as store

QUESTIONS = (SATISFACTION_QUESTION, "comment")


def survey_link(token: str) -> str:
    """The public address of a survey."""
    base = os.environ.get(BASE_URL_ENV, "").strip() or DEFAULT_BASE_URL
    return f"{base.rstrip('/')}/s/{token}"


def send_survey(session: Session, row: store.Consultation, actor: Actor) -> str | None:
    """Give a closed case its satisfaction survey (once) and mail the link to its contact, in the caller's
    transaction; the survey's token, or None when the case had one already."""
    if row.survey_id is not None:
        return None
    firm = session.get(event_store.Organisation, row.organisation_id)
    survey = add_survey(
        session,
        f"ご相談（{row.topic[:60]}）についての満足度アンケート",
        QUESTIONS,
        actor=actor,
        department=PLATFORM_DEPARTMENT,
    )
    row.survey_id = survey.id
    if row.contact_email:
        body = (
            f"{firm.name if firm else ''} ご担当者様\n\n"
            f"関西広域産業共創プラットフォームへのご相談「{row.topic}」の対応を完了しました。\n"
            "今後の支援の改善のため、アンケートへのご協力をお願いします（1分ほどで終わります）。\n\n"
            f"{survey_link(survey.public_token)}\n\n関西広域連合 広域産業振興局"
        )
        queue_mail(
            session, row.contact_email, "【アンケートのお願い】関西広域産業共創プラットフォーム", body, event_id=None
        )
    return survey.public_token
