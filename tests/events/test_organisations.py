"""The one rule that finds or adds an organisation, on both backends: a firm recorded with its 法人番号 is
found by its name alone (a form or a list without the number), never added a second time."""

from sqlalchemy import Engine, func, select

from keikaku.services.events.organisations import find_or_add_organisation, resolve_organisations
from keikaku.storage import events as store
from keikaku.storage.uow import unit_of_work

NUMBER = "1010401011569"  # a valid 法人番号 (check digit 1)


def _count(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return int(session.scalar(select(func.count()).select_from(store.Organisation)) or 0)


def test_a_firm_with_its_number_is_found_by_its_name_alone(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        first = find_or_add_organisation(session, "株式会社ケイカク", NUMBER)
        assert first is not None and first.corporate_number == NUMBER
        first_id = first.id
    with unit_of_work(engine) as session:
        by_name = find_or_add_organisation(session, "（株）ケイカク", None)  # another spelling, no number
        by_number = find_or_add_organisation(session, None, NUMBER)
        assert by_name is not None and by_name.id == first_id
        assert by_number is not None and by_number.id == first_id
    assert _count(engine) == 1


def test_a_name_without_number_prefers_the_firm_recorded_without_one(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        sole = find_or_add_organisation(session, "ケイカク商店", None)
        assert sole is not None and sole.corporate_number is None
        again = find_or_add_organisation(session, "ｹｲｶｸ商店", None)  # half-width kana folds to the same name
        assert again is not None and again.id == sole.id
        numbered = find_or_add_organisation(session, "ケイカク商店", NUMBER)  # takes on the number
        assert numbered is not None and numbered.id == sole.id and numbered.corporate_number == NUMBER
    assert _count(engine) == 1


def test_one_at_a_time_and_a_whole_file_agree(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        firm = find_or_add_organisation(session, "株式会社ケイカク", NUMBER)
        assert firm is not None
        ids = resolve_organisations(session, [("株式会社ケイカク", None), (None, NUMBER), ("別の会社", None)])
        single = find_or_add_organisation(session, "株式会社ケイカク", None)
        assert single is not None
        assert ids["株式会社ケイカク", None] == ids[None, NUMBER] == single.id == firm.id
        assert ids["別の会社", None] != firm.id
    assert _count(engine) == 2
