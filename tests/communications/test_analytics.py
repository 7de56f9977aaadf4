"""Importing analytics for a property: all or nothing, the same file twice changes nothing, another file
for the period replaces it (raw file kept, audited), and the KPI 海外向けWEBサイト閲覧数 is computed per
fiscal year from the rows (April–March)."""

import pytest
from sqlalchemy import Engine, func, select

from keikaku.services.communications.analytics import add_property, import_analytics, import_log, monthly_figures
from keikaku.services.communications.measures import bind_communication_measure
from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import ConflictError, PermissionDeniedError, ValidationError
from keikaku.services.measures.compute import compute_kpi, drill_down
from keikaku.storage import communications as store
from keikaku.storage.accounts import AuditEntry
from keikaku.storage.uow import read_session

from . import files
from .conftest import OTHER, Owned


def _counts(engine: Engine) -> tuple[int, int, int]:
    with read_session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(store.WebImport)) or 0,
            s.scalar(select(func.count()).select_from(store.WebMetric)) or 0,
            s.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def test_import_replace_refuse_and_compute_page_views(loaded_engine: Engine, overseas: Owned) -> None:
    editor, e = overseas.editor, loaded_engine
    add_property("overseas", "Your Gateway to Kansai Business", overseas.department, actor=editor, engine=e)
    may = import_analytics("overseas", "may.csv", files.GA4_EN_MAY.encode("utf-8-sig"), actor=editor, engine=e)
    assert (may.outcome, may.views, may.rows, may.dropped_totals) == ("imported", 1530, 3, 1)

    before = _counts(e)
    again = import_analytics("overseas", "may.csv", files.GA4_EN_MAY.encode("utf-8-sig"), actor=editor, engine=e)
    assert (again.outcome, again.import_id) == ("unchanged", may.import_id) and _counts(e) == before

    june = import_analytics("overseas", "6月.csv", files.GA4_JA_JUNE.encode("cp932"), actor=editor, engine=e)
    assert (june.outcome, june.views) == ("imported", 1500)

    restated = files.GA4_EN_MAY.replace('/en/invest/,"430"', '/en/invest/,"530"')
    replaced = import_analytics("overseas", "may-v2.csv", restated.encode(), actor=editor, engine=e)
    assert (replaced.outcome, replaced.views, replaced.replaced) == ("replaced", 1630, (may.import_id,))
    with read_session(e) as s:
        old = s.get(store.WebImport, may.import_id)
        assert old is not None and old.replaced_by_id == replaced.import_id
        assert old.raw == files.GA4_EN_MAY.encode("utf-8-sig")  # the earlier file stays readable
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "web_analytics.replace")).one()
        assert entry.before == [{"import": may.import_id, "file": "may.csv", "views": 1530, "sessions": None}]
        assert entry.after["views"] == 1630

    before = _counts(e)
    for name, content, error in (
        ("two.csv", files.GA4_TWO_MONTHS, ValidationError),
        ("bad.csv", files.GA4_BAD_ROWS, ValidationError),
        ("none.csv", files.GA4_NO_PERIOD, ValidationError),
    ):
        with pytest.raises(error):
            import_analytics("overseas", name, content.encode(), actor=editor, engine=e)
    with pytest.raises(PermissionDeniedError):
        import_analytics("overseas", "may.csv", files.GA4_EN_MAY.encode(), actor=OTHER, engine=e)
    with pytest.raises(ConflictError, match="一部だけ重なります"):  # 2026-05-15 .. 06-15 over two imports
        partial = "# Start date: 20260515\n# End date: 20260615\nDate,Page path,Views\n20260515,/,1\n"
        import_analytics("overseas", "partial.csv", partial.encode(), actor=editor, engine=e)
    assert _counts(e) == before  # nothing stored by a refused file

    # A dated export across the fiscal year's end: 30 views on 30–31 March 2027 count in FY2026.
    import_analytics("overseas", "daily.csv", files.GA4_DAILY_MARCH_APRIL.encode(), actor=editor, engine=e)
    bind_communication_measure(overseas.kpi_id, "web_views", property_code="overseas", actor=editor, engine=e)
    computed = compute_kpi(overseas.kpi_id, actor=editor, engine=e)
    assert (computed.value, computed.outcome) == (1630 + 1500 + 30, "recorded")
    shown = drill_down(overseas.kpi_id, viewer=PUBLIC, engine=e)
    assert shown.counts == (("2026-05", 1630), ("2026-06", 1500), ("2027-03", 30))

    bind_communication_measure(
        overseas.kpi_id, "web_views", property_code="overseas", pages=["/en/invest/"], actor=editor, engine=e
    )
    assert compute_kpi(overseas.kpi_id, actor=editor, engine=e).value == 530 + 300

    prop, months = monthly_figures("overseas", engine=e)
    assert prop.code == "overseas" and [(m.month.isoformat(), m.views) for m in months] == [
        ("2026-05-01", 1630),
        ("2026-06-01", 1500),
        ("2027-03-01", 30),
        ("2027-04-01", 45),
    ]
    log = import_log("overseas", viewer=PUBLIC, engine=e)
    assert {entry.imported_by for entry in log} == {None}  # who imported: staff only
    assert import_log("overseas", viewer=editor, engine=e)[0].imported_by == "広報担当"


def test_matomo_file_needs_its_month_and_counts_nb_hits(loaded_engine: Engine) -> None:
    from .conftest import fy2026_kpi

    lab = fy2026_kpi(loaded_engine, "かんさいラボサーチ")
    e, editor = loaded_engine, lab.editor
    add_property("labsearch", "かんさいラボサーチ", lab.department, actor=editor, engine=e)
    with pytest.raises(ValidationError, match="対象の月"):
        import_analytics("labsearch", "matomo.csv", files.MATOMO_JULY.encode("utf-16"), actor=editor, engine=e)
    done = import_analytics(
        "labsearch", "matomo.csv", files.MATOMO_JULY.encode("utf-16"), period="2026-07", actor=editor, engine=e
    )
    assert (done.source, done.views) == ("matomo", 800)
    bind_communication_measure(lab.kpi_id, "web_views", property_code="labsearch", actor=editor, engine=e)
    assert compute_kpi(lab.kpi_id, actor=editor, engine=e).value == 800
