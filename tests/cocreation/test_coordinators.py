"""A coordinator belongs to a member institution (issue 13): the account holds it, a case opened by a
coordinator is the coordinator's institution's, and a handover chooses another account that may hold cases.
Wrong choices are refused with the field named, and store nothing."""

import pytest
from sqlalchemy import Engine, func, inspect, select
from tests.cocreation.conftest import ADMIN, COORDINATOR, COORDINATOR_2, FIRM, OWNER

from keikaku.services.core.actors import Role
from keikaku.services.core.errors import ValidationError
from keikaku.services.governance import accounts
from keikaku.services.governance.accounts import UserCreate, create_user, update_user
from keikaku.services.platform.cases import CaseChange, CaseForm, change_case, get_case, open_case
from keikaku.services.platform.coordinators import case_handlers
from keikaku.storage import platform as store
from keikaku.storage.accounts import AuditEntry, User
from keikaku.storage.uow import read_session


def _counts(engine: Engine) -> tuple[int, int, int]:
    with read_session(engine) as s:
        return (
            int(s.scalar(select(func.count()).select_from(User)) or 0),
            int(s.scalar(select(func.count()).select_from(store.CaseActivity)) or 0),
            int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0),
        )


def test_a_coordinator_needs_an_institution_and_only_a_coordinator_has_one(
    engine: Engine, institutes: dict[str, int]
) -> None:
    before = _counts(engine)
    with pytest.raises(ValidationError, match="所属機関") as missing:
        create_user(UserCreate("kato", [Role.COORDINATOR]), actor=ADMIN, engine=engine)
    assert missing.value.details["fields"] == {"institution": "必須"}
    with pytest.raises(ValidationError, match="登録されていません"):
        create_user(UserCreate("kato", [Role.COORDINATOR], institution="存在しない研究所"), actor=ADMIN, engine=engine)
    with pytest.raises(ValidationError, match="コーディネーターにだけ"):
        create_user(
            UserCreate("kato", [Role.COUNCIL_MEMBER], institution="大阪産業技術研究所"), actor=ADMIN, engine=engine
        )
    with pytest.raises(ValidationError, match="所属機関"):  # removing the institution of a coordinator
        update_user(COORDINATOR.name, institution="", actor=ADMIN, engine=engine)
    assert _counts(engine) == before

    made = create_user(
        UserCreate("kato", [Role.COORDINATOR], institution="兵庫県立工業技術センター"), actor=ADMIN, engine=engine
    )
    assert (made.user.institution_id, made.user.institution) == (institutes["hyogo"], "兵庫県立工業技術センター")
    assert accounts.actor_for_user(made.user).institution_id == institutes["hyogo"]
    moved = update_user("kato", institution="大阪産業技術研究所", reason="異動", actor=ADMIN, engine=engine)
    assert moved.user.institution == "大阪産業技術研究所"
    with read_session(engine) as s:
        entry = s.execute(select(AuditEntry.before, AuditEntry.after).where(AuditEntry.action == "user.update")).all()[
            -1
        ]
    assert (entry.before["institution_id"], entry.after["institution_id"]) == (
        institutes["hyogo"],
        institutes["osaka"],
    )


def test_a_coordinators_case_is_its_institutions_and_a_handover_picks_an_account(
    engine: Engine, institutes: dict[str, int]
) -> None:
    form = CaseForm("株式会社ケイカク精工", FIRM, "破断面の観察", "材料", "技術開発", opened_on="2026-05-12")
    case = open_case(form, actor=COORDINATOR, engine=engine)
    assert (case.coordinator, case.coordinator_name) == ("yamada", "山田コーディネーター")
    assert (case.institution_id, case.coordinator_institution) == (institutes["osaka"], "大阪産業技術研究所")

    handlers = case_handlers(actor=COORDINATOR, engine=engine)
    assert sorted((h.username, h.institution) for h in handlers if h.coordinator) == [
        ("sato", "兵庫県立工業技術センター"),
        ("yamada", "大阪産業技術研究所"),
    ]
    assert all(h.coordinator for h in handlers[:2])  # coordinators first, then the platform's administrators

    create_user(UserCreate("council", [Role.COUNCIL_MEMBER]), actor=ADMIN, engine=engine)
    before = _counts(engine)
    for wrong in ("tanaka", "admin-who-is-not-there"):
        with pytest.raises(ValidationError, match="案件を担当できるアカウントではありません") as refused:
            change_case(case.id, CaseChange(coordinator=wrong), actor=COORDINATOR, engine=engine)
        assert refused.value.details["fields"] == {"coordinator": "担当できるアカウントから選択"}
    with pytest.raises(ValidationError, match="案件を担当できる"):  # an account, but not one that holds cases
        change_case(case.id, CaseChange(coordinator="council", phase="実証"), actor=COORDINATOR, engine=engine)
    assert _counts(engine) == before  # the phase change went with the refused handover
    assert get_case(case.id, actor=COORDINATOR, engine=engine).phase == "技術開発"

    accounts.disable_user("sato", actor=ADMIN, engine=engine)
    with pytest.raises(ValidationError, match="案件を担当できる"):  # a disabled account holds no case
        change_case(case.id, CaseChange(coordinator="sato"), actor=COORDINATOR, engine=engine)
    accounts.enable_user("sato", actor=ADMIN, engine=engine)

    handed = change_case(case.id, CaseChange(coordinator="SATO", note="担当替え"), actor=OWNER, engine=engine)
    assert (handed.coordinator, handed.coordinator_name, handed.coordinator_institution) == (
        COORDINATOR_2.name,
        "佐藤コーディネーター",
        "兵庫県立工業技術センター",
    )
    assert handed.institution_id == institutes["osaka"]  # the case stays where it was received
    line = handed.activities[-1]
    assert (line.kind, line.author) == ("引継ぎ", OWNER.name)
    assert "山田コーディネーター（大阪産業技術研究所） → 佐藤コーディネーター（兵庫県立工業技術センター）" in line.body


def test_an_editor_or_keikaku_itself_may_open_a_case_without_an_account_of_its_own(
    engine: Engine, institutes: dict[str, int]
) -> None:
    form = CaseForm("株式会社ケイカク精工", FIRM, "相談", "材料", "基礎研究", coordinator="yamada")
    chosen = open_case(form, actor=OWNER, engine=engine)  # the platform's editor assigns a coordinator
    assert (chosen.coordinator, chosen.institution_id) == ("yamada", institutes["osaka"])
    own = open_case(CaseForm("株式会社ケイカク精工", FIRM, "相談", "材料", "基礎研究"), actor=OWNER, engine=engine)
    assert (own.coordinator, own.coordinator_institution, own.institution_id) == (OWNER.name, None, None)


def test_migration_0026_down_and_up_links_recorded_usernames_to_their_accounts(
    engine: Engine, institutes: dict[str, int]
) -> None:
    from sqlalchemy import text
    from tests.communications.test_migration import _migrate

    from keikaku.storage.migrate import upgrade

    form = CaseForm("株式会社ケイカク精工", FIRM, "相談", "材料", "基礎研究")
    case = open_case(form, actor=COORDINATOR, engine=engine)
    before = _counts(engine)
    _migrate(engine, "0025_case_list_index", down=True)
    with engine.connect() as conn:
        assert "coordinator_id" not in {c["name"] for c in inspect(conn).get_columns("platform_cases")}
        assert "institution_id" not in {c["name"] for c in inspect(conn).get_columns("users")}
        assert conn.execute(text("SELECT coordinator FROM platform_cases")).scalar() == "yamada"
    upgrade(engine)
    with read_session(engine) as s:
        linked = s.scalar(select(store.Consultation.coordinator_id).where(store.Consultation.id == case.id))
        assert linked == s.scalar(select(User.id).where(User.username == "yamada"))
    assert _counts(engine) == before  # accounts, case logs and the audit trail untouched by the way down
