"""Fixtures of the platform tests: actors of each role, a valid 法人番号, two institutions with a coordinator's
account each."""

import pytest
from sqlalchemy import Engine
from stdnum.jp import cn

from keikaku.services.core.actors import Actor, Role
from keikaku.services.governance.accounts import UserCreate, create_user
from keikaku.services.platform.common import PLATFORM_DEPARTMENT
from keikaku.services.platform.institutions import InstitutionForm, add_institution

ADMIN = Actor("管理者", frozenset({Role.BUREAU_ADMIN}))
#: Coordinators with accounts (made by :func:`institutes`): 山田 of the Osaka institute, 佐藤 of Hyogo's.
COORDINATOR = Actor("yamada", frozenset({Role.COORDINATOR}))
COORDINATOR_2 = Actor("sato", frozenset({Role.COORDINATOR}))
OWNER = Actor("ものづくり担当", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({PLATFORM_DEPARTMENT}))
OTHER_EDITOR = Actor("他課", frozenset({Role.DEPARTMENT_EDITOR}), frozenset({"国際交流課"}))
COUNCIL = Actor("委員", frozenset({Role.COUNCIL_MEMBER}))


def corporate_number(body: str) -> str:
    """A valid 法人番号 for 12 digits (the check digit comes first)."""
    return cn.calc_check_digit(body) + body


FIRM = corporate_number("120001077701")
PASSWORD = "共創の合言葉-2026-coordinator"


@pytest.fixture
def institutes(engine: Engine) -> dict[str, int]:
    osaka = add_institution(
        InstitutionForm(
            "大阪産業技術研究所", "大阪府", "公設試", "06-0000-0000", {"own": 0.8, "union": 1.0, "other": 1.5}
        ),
        actor=ADMIN,
        engine=engine,
    )
    hyogo = add_institution(InstitutionForm("兵庫県立工業技術センター", "兵庫県", "公設試"), actor=ADMIN, engine=engine)
    for actor, name, institution in (
        (COORDINATOR, "山田コーディネーター", "大阪産業技術研究所"),
        (COORDINATOR_2, "佐藤コーディネーター", "兵庫県立工業技術センター"),
    ):
        data = UserCreate(actor.name, [Role.COORDINATOR], display_name=name, institution=institution, password=PASSWORD)
        create_user(data, actor=ADMIN, engine=engine)
    return {"osaka": osaka, "hyogo": hyogo}


@pytest.fixture
def institutes_loaded(loaded_engine: Engine) -> dict[str, int]:
    osaka = add_institution(
        InstitutionForm("大阪産業技術研究所", "大阪府", "公設試"), actor=ADMIN, engine=loaded_engine
    )
    return {"osaka": osaka}
