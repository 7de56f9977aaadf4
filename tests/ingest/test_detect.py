"""Kind recognition by content, and refusal of documents of no known kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from keikaku.domain import DocumentKind
from keikaku.ingest.context import ParseContext
from keikaku.ingest.detect import detect_kind
from keikaku.ingest.errors import IngestError
from keikaku.ingest.pipeline import ingest_file
from keikaku.ingest.read.readers import read_document

SEEDS = {
    "001_0dab7330ada36a72.txt": DocumentKind.BUSINESS_PLAN,
    "002_59a1d7412250158a.txt": DocumentKind.ACTION_PLAN,
    "003_172e9370bded9419.txt": DocumentKind.PARTNER_PRIORITIES,
    "004_9fbeadb188289702.txt": DocumentKind.VISION,
}
OWN = {
    "bp_r9_cells.txt": DocumentKind.BUSINESS_PLAN,
    "bp_r7_numbered_cp932.txt": DocumentKind.BUSINESS_PLAN,
    "bp_r6_form_eucjp.txt": DocumentKind.BUSINESS_PLAN,
    "bp_r7_tourism_bom.md": DocumentKind.BUSINESS_PLAN,
    "bp_hyogo_r8_tables.txt": DocumentKind.BUSINESS_PLAN,
    "bp_r11_namekeyed.txt": DocumentKind.BUSINESS_PLAN,
    "bp_r12_split_cells.txt": DocumentKind.BUSINESS_PLAN,
    "bp_kyoto_r9_kpi_lines.txt": DocumentKind.BUSINESS_PLAN,
    "vision_2028_pages.txt": DocumentKind.VISION,
    "action_plan_2027_markdown.md": DocumentKind.ACTION_PLAN,
    "partner_r8_tabs.txt": DocumentKind.PARTNER_PRIORITIES,
}


def _kind(path: Path) -> DocumentKind | None:
    return detect_kind(ParseContext.of(read_document(path)).lines).kind


@pytest.mark.parametrize(("name", "kind"), sorted(SEEDS.items()))
def test_seed_kinds(seeds_dir: Path, name: str, kind: DocumentKind) -> None:
    assert _kind(seeds_dir / name) is kind


@pytest.mark.parametrize(("name", "kind"), sorted(OWN.items()))
def test_own_document_kinds(documents: Path, name: str, kind: DocumentKind) -> None:
    assert _kind(documents / name) is kind


@pytest.mark.parametrize(
    "text",
    [
        "議事録\n令和8年5月10日\n出席者 5名\n議題 庁舎の清掃について\n次回は6月に開催する。\n",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n" * 20,
        "お知らせ\n本日は晴天なり。\n",
    ],
)
def test_documents_of_no_known_kind_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "other.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match="種類を判別できません") as caught:
        ingest_file(path)
    assert caught.value.code == "unknown_kind"


def test_a_plan_without_projects_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty_plan.txt"
    path.write_text(
        "令和8年度 事業計画\n関西広域連合 テスト局\n予算額 未定\n担当課 未定\n成果目標 未定\n事業概要 未定\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError) as caught:
        ingest_file(path)
    assert caught.value.code in ("no_projects", "unknown_kind")
