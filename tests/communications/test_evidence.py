"""A registry entry's evidence: a URL or a file; a file goes through the upload checks, is stored with its
digest, and only the owning department's staff download it."""

import hashlib

import pytest
from sqlalchemy import Engine, func, select

from keikaku.services.communications.evidence import attach_evidence, entry_evidence
from keikaku.services.communications.registries import EntryForm, add_entry, import_entries, list_entries
from keikaku.services.core.actors import PUBLIC
from keikaku.services.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from keikaku.storage import actuals as actual_store
from keikaku.storage import communications as store
from keikaku.storage.uow import read_session

from .conftest import OTHER, fy2026_kpi

PNG = b"\x89PNG\r\n\x1a\n" + b"screenshot of the listing" * 10


def _files(engine: Engine) -> int:
    with read_session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(actual_store.ActualAttachment)) or 0)


def test_a_listing_needs_a_url_or_a_file_and_its_file_is_the_staffs(loaded_engine: Engine) -> None:
    e = loaded_engine
    owner = fy2026_kpi(e, "PR回数")
    bare = EntryForm("listing", "2026-06-01", "Dealroom", "関西スタートアップ株式会社")
    with pytest.raises(ValidationError) as caught:
        add_entry(bare, owner.department, actor=owner.editor, engine=e)
    assert "URL か根拠のファイル" in caught.value.message
    for name, content, words in (
        ("listing.exe", b"MZ...", "受け付けない形式"),
        ("../../listing.png", b"", "が空です"),
    ):
        with pytest.raises(ValidationError) as refused:
            add_entry(bare, owner.department, evidence=(name, content), actor=owner.editor, engine=e)
        assert words in refused.value.message and "/" not in refused.value.message.split("」")[0]
    with read_session(e) as s:
        assert s.scalar(select(func.count()).select_from(store.ActivityEntry)) == 0
    assert _files(e) == 0

    entry = add_entry(bare, owner.department, evidence=("../shot.png", PNG), actor=owner.editor, engine=e)
    file = entry_evidence(entry.id, actor=owner.editor, engine=e)
    assert (file.filename, file.media_type, file.content) == ("shot.png", "image/png", PNG)
    assert file.sha256 == hashlib.sha256(PNG).hexdigest()
    for stranger in (PUBLIC, OTHER):
        with pytest.raises(PermissionDeniedError):
            entry_evidence(entry.id, actor=stranger, engine=e)
    (public,) = list_entries("listing", viewer=PUBLIC, engine=e)
    assert public.has_evidence and public.entered_by is None


def test_an_imported_entry_gets_its_file_later_and_a_later_file_replaces_it(loaded_engine: Engine) -> None:
    e = loaded_engine
    owner = fy2026_kpi(e, "PR回数")
    rows = "日付,媒体,タイトル,URL,対象\n2026-05-10,BioJapan,関西パビリオン出展,,domestic\n"
    import_entries("pr", "pr.csv", rows.encode(), owner.department, actor=owner.editor, engine=e)
    (entry,) = list_entries("pr", viewer=owner.editor, engine=e)
    assert not entry.has_evidence
    with pytest.raises(NotFoundError):
        entry_evidence(entry.id, actor=owner.editor, engine=e)
    with pytest.raises(PermissionDeniedError):
        attach_evidence(entry.id, "release.pdf", b"%PDF-1.4 other", actor=OTHER, engine=e)
    attach_evidence(entry.id, "release.pdf", b"%PDF-1.4 first", actor=owner.editor, engine=e)
    attach_evidence(entry.id, "release-v2.pdf", b"%PDF-1.4 second", actor=owner.editor, engine=e)
    file = entry_evidence(entry.id, actor=owner.editor, engine=e)
    assert (file.filename, file.content) == ("release-v2.pdf", b"%PDF-1.4 second")
    with pytest.raises(NotFoundError):
        attach_evidence(10**6, "x.pdf", b"%PDF", actor=owner.editor, engine=e)


def test_the_evidence_on_the_web(sqlite_loaded_engine: Engine) -> None:
    from tests.web.conftest import make_client

    e = sqlite_loaded_engine
    owner = fy2026_kpi(e, "PR回数")
    with make_client(e, owner.editor) as staff, make_client(e, PUBLIC) as public:
        added = staff.post(
            "/communications/entries",
            data={
                "kind": "listing",
                "entry_date": "2026-06-02",
                "medium": "StartupBlink",
                "title": "株式会社ウェブ証跡",
                "department": owner.department,
            },
            files={"evidence": ("blink.png", PNG, "image/png")},
            follow_redirects=False,
        )
        assert added.status_code == 303
        (entry,) = list_entries("listing", viewer=owner.editor, engine=e)
        got = staff.get(f"/communications/entries/{entry.id}/evidence")
        assert got.status_code == 200 and got.content == PNG and "attachment" in got.headers["content-disposition"]
        assert public.get(f"/communications/entries/{entry.id}/evidence").status_code in (401, 403, 303)
        page = public.get("/communications").text
        assert "株式会社ウェブ証跡" in page and f"/communications/entries/{entry.id}/evidence" not in page
