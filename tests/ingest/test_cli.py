"""``keikaku ingest`` and ``keikaku revisions`` end to end in a subprocess, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from tests.cli.test_cli_core import assert_one_line_error, run_cli
from tests.ingest.pdfmaker import make_pdf

from keikaku.data import plan_data_schema


def test_dry_run_json_validates_against_the_interchange_schema(tmp_path: Path, seeds_dir: Path) -> None:
    schema = plan_data_schema()
    for seed in sorted(seeds_dir.glob("*.txt")):
        result = run_cli("ingest", "--dry-run", "--format", "json", str(seed), env_url=None, home=tmp_path)
        assert result.returncode == 0, result.stderr
        payload = json.loads(result.stdout)
        jsonschema.validate(payload, schema)
        assert payload["documents"][0]["sha256"] and payload["documents"][0]["path"] == str(seed)
    assert not (tmp_path / "keikaku.sqlite3").exists()  # a dry run never touches the database


def test_bad_inputs_give_one_line_errors_and_exit_code_2(tmp_path: Path) -> None:
    cases = {
        "empty.txt": (b"", "ファイルが空です"),
        "junk.bin": (bytes(range(256)) * 16, "テキストでも PDF でも Excel でもない"),
        "scan.pdf": (make_pdf([["x"]], image_only_pages=frozenset({1})), "PDF にテキスト層がありません"),
        "cut.pdf": (make_pdf([["本文"] * 30])[:300], "PDF が途中で切れています"),
        "locked.pdf": (make_pdf([["本文"]], encrypt=True), "PDF が暗号化されています"),
        "minutes.txt": ("会議録\n本日は晴天なり。\n".encode(), "文書の種類を判別できません"),
    }
    for name, (content, reason) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        result = run_cli("ingest", str(path), env_url=None, home=tmp_path)
        assert_one_line_error(result, f"{path}: {reason}")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 300_000)
    assert_one_line_error(run_cli("ingest", "--max-size", "0.1", str(big), env_url=None, home=tmp_path), "大きすぎます")


def test_store_rerun_revision_and_diff(tmp_path: Path, seeds_dir: Path) -> None:
    def cli(*args: str) -> object:
        return run_cli(*args, env_url=None, home=tmp_path)

    assert cli("init", "--empty").returncode == 0  # type: ignore[attr-defined]
    seeds = [str(p) for p in sorted(seeds_dir.glob("*.txt"))]
    first = cli("ingest", *seeds)
    assert first.returncode == 0, first.stderr  # type: ignore[attr-defined]
    out = first.stdout  # type: ignore[attr-defined]
    assert out.count("登録") >= 4 and "budget_sum_mismatch" in out and "事業 10" in out
    again = cli("ingest", "--format", "json", seeds[0])
    report = json.loads(again.stdout)  # type: ignore[attr-defined]
    assert report["documents"][0]["status"] == "unchanged"
    changed = tmp_path / "001_changed.txt"
    text = Path(seeds[0]).read_text(encoding="utf-8")
    changed.write_text(text.replace("49,984千円", "50,984千円").replace("100,674千円", "101,674千円"), encoding="utf-8")
    second = cli("ingest", "--format", "json", str(changed))
    assert json.loads(second.stdout)["documents"][0]["revisions"] == [{"fiscal_year": 2026, "revision": 2}]  # type: ignore[attr-defined]
    listed = cli("revisions", "list", "-y", "2026")
    assert "101,674" in listed.stdout and "100,674" in listed.stdout  # type: ignore[attr-defined]
    diff = cli("revisions", "diff", "-y", "2026")
    assert diff.returncode == 0, diff.stderr  # type: ignore[attr-defined]
    assert "第1版 → 第2版" in diff.stdout and "49984 → 50984" in diff.stdout  # type: ignore[attr-defined]


def test_one_bad_file_stores_nothing_and_strict_refuses_partial_reads(
    tmp_path: Path, seeds_dir: Path, documents: Path
) -> None:
    def cli(*args: str) -> object:
        return run_cli(*args, env_url=None, home=tmp_path)

    assert cli("init", "--empty").returncode == 0  # type: ignore[attr-defined]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    mixed = cli("ingest", str(seeds_dir / "001_0dab7330ada36a72.txt"), str(empty))
    assert mixed.returncode == 2  # type: ignore[attr-defined]
    assert f"エラー: {empty}: ファイルが空です" in mixed.stderr and "何も登録していません" in mixed.stderr  # type: ignore[attr-defined]
    as_json = cli("ingest", "--format", "json", str(seeds_dir / "001_0dab7330ada36a72.txt"), str(empty))
    report = json.loads(as_json.stdout)  # type: ignore[attr-defined]
    assert report["stored"] is False
    assert [d["status"] for d in report["documents"]] == ["not_stored", "failed"]
    assert_one_line_error(cli("revisions", "diff", "-y", "2026"), "2026年度の事業計画がありません")  # type: ignore[arg-type]
    partial = documents / "bp_r7_numbered_cp932.txt"  # one KPI cannot be structured
    refused = cli("ingest", "--strict", str(partial))
    assert_one_line_error(refused, "--strict")  # type: ignore[arg-type]
    accepted = cli("ingest", str(partial))
    assert accepted.returncode == 0 and "unparsed_kpi" in accepted.stdout  # type: ignore[attr-defined]
