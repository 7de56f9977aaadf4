"""The co-creation platform at scale (issue 13): かんさいラボサーチ search, the case list, 50 concurrent public
searchers over HTTP, and seed suggestions per need.

1. The data, in a fresh database (a temporary SQLite file, or a new database on ``--postgres URL``):
   institutions of every member prefecture (added through ``add_institution``, each with its fee rule),
   ``--equipment`` entries (20,000) of realistic names, makers and model numbers written in ASCII, full
   width or with spaces for dashes, and ``--cases`` consultations (50,000) of ``--firms`` firms with valid
   法人番号, bulk-inserted through the storage models (the folded search text made by
   ``labsearch.search_text`` as the import makes it, and its bigrams by ``labsearch.reindex``); the labelled seeds and needs of
   ``bench/data/matching_pairs.json`` through the services, plus ``--seeds`` seeds bulk-inserted.
2. Search: ``labsearch.search`` over a mix of queries (two-character words, synonyms such as SEM, model
   numbers in full width and with dash variants, facets, deep pages), ``--rounds`` times each; p50 / p95,
   target p95 ≤ 20 ms.
3. Case list: ``cases.list_cases`` with each status group and pages 1, 2, 100 and the last; target p95 ≤ 50 ms.
4. Load: a real uvicorn (``keikaku.web.asgi:app``, ``--workers``) on 127.0.0.1, one public searcher alone for a
   third of ``--duration`` (the time of a request without queueing), then ``--clients`` (50) public
   searchers for ``--duration`` seconds over ``/labsearch`` and ``/api/v1/labsearch``; errors (target 0),
   throughput, client-side and in-app p95.
5. Suggestions: ``matching.suggest_seeds`` for each labelled need among all the seeds; target p95 ≤ 100 ms.

It prints every figure with its target and asserts nothing (see STYLE.md: measurements live in bench/).

    python bench/bench_platform.py                                   # temporary SQLite
    python bench/bench_platform.py --postgres postgresql+psycopg://@127.0.0.1:5432/test   # a new database there
    python bench/bench_platform.py --rounds 3 --duration 5            # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert, select, text
from stdnum.jp import cn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_matching import ADMIN, COORDINATOR, fresh_database, load, load_pairs, percentile

from keikaku.normalize.organisations import fold_organisation_name
from keikaku.services.platform.cases import list_cases
from keikaku.services.platform.institutions import InstitutionForm, add_institution
from keikaku.services.platform.labsearch import Filters, fold, reindex, search, search_text
from keikaku.services.platform.matching import suggest_seeds
from keikaku.storage import events as event_store
from keikaku.storage import platform as store
from keikaku.storage.uow import unit_of_work

SEARCH_TARGET_MS, LIST_TARGET_MS, SUGGEST_TARGET_MS = 20.0, 50.0, 100.0
#: Institutions by member prefecture (names in the style of the real ones; fee rules vary).
INSTITUTIONS = {
    "大阪府": ("大阪産業技術研究所 和泉センター", "大阪産業技術研究所 森之宮センター", "大阪府立大学 産学連携機構"),
    "兵庫県": ("兵庫県立工業技術センター", "兵庫県立工業技術センター 皮革工業技術支援センター", "神戸市産業振興財団"),
    "京都府": ("京都府中小企業技術センター", "京都市産業技術研究所", "京都府織物・機械金属振興センター"),
    "滋賀県": ("滋賀県工業技術総合センター", "滋賀県東北部工業技術センター", "滋賀県食品技術センター"),
    "奈良県": ("奈良県産業振興総合センター", "奈良県森林技術センター", "奈良県農業研究開発センター"),
    "和歌山県": ("和歌山県工業技術センター", "和歌山県食品開発センター", "和歌山県産業技術支援機構"),
    "鳥取県": ("鳥取県産業技術センター 鳥取施設", "鳥取県産業技術センター 米子施設", "鳥取県食品開発研究所"),
    "徳島県": ("徳島県立工業技術センター", "徳島県立農林水産総合技術支援センター", "徳島大学 地域協働技術センター"),
}
#: (name, category, maker, model, specification) of common equipment of the public research institutes.
CATALOGUE = (
    ("走査電子顕微鏡", "電子顕微鏡", "日本電子", "JSM-IT200", "倍率×10〜×300,000、EDS付属"),
    ("走査型電子顕微鏡", "電子顕微鏡", "日立ハイテク", "SU3800", "低真空観察、大型試料室"),
    ("電界放出形走査電子顕微鏡", "電子顕微鏡", "日本電子", "JSM-7800F", "分解能0.8nm"),
    ("卓上走査電子顕微鏡", "電子顕微鏡", "日立ハイテク", "TM4000Plus", "前処理不要の簡易観察"),
    ("透過電子顕微鏡", "電子顕微鏡", "日本電子", "JEM-2100Plus", "加速電圧200kV"),
    ("X線回折装置", "X線分析", "リガク", "SmartLab", "薄膜・粉末、9kW"),
    ("粉末X線回折装置", "X線分析", "ブルカー", "D8 ADVANCE", "高速検出器"),
    ("蛍光X線分析装置", "X線分析", "島津製作所", "EDX-7000", "RoHSスクリーニング"),
    ("フーリエ変換赤外分光光度計", "分光分析", "日本分光", "FT/IR-4X", "ATR、顕微測定"),
    ("紫外可視近赤外分光光度計", "分光分析", "島津製作所", "UV-3600i Plus", "積分球付属"),
    ("ICP発光分光分析装置", "元素分析", "アジレント", "5800 ICP-OES", "多元素同時分析"),
    ("ガスクロマトグラフ質量分析計", "クロマトグラフ", "島津製作所", "GCMS-QP2020 NX", "ヘッドスペース"),
    ("高速液体クロマトグラフ", "クロマトグラフ", "島津製作所", "LC-2050C", "UV・蛍光検出器"),
    ("三次元測定機", "精密測定", "ミツトヨ", "CRYSTA-Apex V", "測定範囲 700×1000×600mm"),
    ("表面粗さ・輪郭形状測定機", "精密測定", "東京精密", "SURFCOM NEX 100", "触針式"),
    ("画像寸法測定器", "精密測定", "キーエンス", "IM-8000", "一括測定"),
    ("マイクロフォーカスX線CT装置", "非破壊検査", "島津製作所", "inspeXio SMX-225CT FPD HR", "最大225kV"),
    ("万能材料試験機", "材料試験", "島津製作所", "AG-Xplus 100kN", "引張・圧縮・曲げ"),
    ("万能試験機", "材料試験", "インストロン", "5982", "最大荷重100kN"),
    ("微小硬さ試験機", "材料試験", "ミツトヨ", "HM-200", "ビッカース・ヌープ"),
    ("ロックウェル硬さ試験機", "材料試験", "フューチュアテック", "FR-X1", "スケール自動切替"),
    ("シャルピー衝撃試験機", "材料試験", "東京衡機", "CI-300", "300J"),
    ("電気油圧式疲労試験機", "材料試験", "島津製作所", "EHF-LV020k1", "±20kN"),
    ("恒温恒湿槽", "環境試験", "エスペック", "PR-3J", "-20〜+100℃、20〜98%RH"),
    ("冷熱衝撃装置", "環境試験", "エスペック", "TSA-73EL", "-65〜+200℃"),
    ("塩水噴霧試験機", "環境試験", "スガ試験機", "CYP-90", "JIS Z 2371"),
    ("キセノンウェザーメーター", "環境試験", "スガ試験機", "SX75", "促進耐候"),
    ("10m法電波暗室", "EMC", "TDK", "RFD-F/A-100", "放射エミッション・イミュニティ"),
    ("EMIテストレシーバ", "EMC", "ローデ・シュワルツ", "ESW44", "2Hz〜44GHz"),
    ("静電気試験器", "EMC", "ノイズ研究所", "ESS-S3011A", "IEC 61000-4-2"),
    ("示差走査熱量計", "熱分析", "日立ハイテク", "DSC7000X", "-150〜725℃"),
    ("熱重量示差熱分析装置", "熱分析", "リガク", "TG-DTA8122", "室温〜1500℃"),
    ("迅速熱伝導率計", "熱分析", "京都電子工業", "QTM-710", "非定常細線法"),
    ("レーザー回折式粒度分布測定装置", "粉体", "マイクロトラック・ベル", "MT3300EXII", "0.02〜2000µm"),
    ("比表面積・細孔分布測定装置", "粉体", "マイクロトラック・ベル", "BELSORP MINI X", "BET法"),
    ("金属3Dプリンタ", "積層造形", "EOS", "M 290", "造形範囲 250×250×325mm"),
    ("樹脂3Dプリンタ", "積層造形", "ストラタシス", "F370", "FDM方式"),
    ("ハンディ3Dスキャナ", "デジタルエンジニアリング", "クレアフォーム", "HandySCAN 3D BLACK", "精度0.025mm"),
    ("5軸制御マシニングセンタ", "機械加工", "DMG森精機", "DMU 50", "同時5軸"),
    ("ワイヤ放電加工機", "機械加工", "三菱電機", "MV1200R", "最大加工厚 200mm"),
    ("ファイバーレーザー加工機", "機械加工", "アマダ", "ENSIS-3015AJ", "3kW"),
    ("テクスチャーアナライザー", "食品分析", "英弘精機", "TA.XTplus", "えん下困難者用食品の規格試験"),
    ("真空凍結乾燥機", "食品加工", "東京理化器械", "FDU-2200", "棚式"),
    ("スプレードライヤー", "食品加工", "ヤマト科学", "ADL311S", "噴霧乾燥"),
    ("レトルト殺菌装置", "食品加工", "日阪製作所", "RCS-40RTGN", "熱水シャワー式"),
    ("リアルタイムPCR装置", "バイオ", "サーモフィッシャー", "QuantStudio 5", "96ウェル"),
    ("安全キャビネット", "バイオ", "日立", "SCV-1306ECIIA", "クラスII A2"),
    ("分光測色計", "色彩", "コニカミノルタ", "CM-36dG", "色差・白色度"),
    ("KES風合い計測システム", "繊維試験", "カトーテック", "KES-FB2-A", "曲げ・せん断"),
    ("ミクセルオシロスコープ", "電気計測", "テクトロニクス", "MSO64", "6GHz"),
    ("スペクトラムアナライザ", "電気計測", "キーサイト", "N9020B", "MXA"),
    ("プレシジョンパワーアナライザ", "電気計測", "横河計測", "WT5000", "7入力"),
    ("精密騒音計", "音響振動", "リオン", "NL-52", "周波数分析"),
    ("原子間力顕微鏡", "表面分析", "ブルカー", "Dimension Icon", "PeakForce"),
    ("X線光電子分光分析装置", "表面分析", "アルバック・ファイ", "PHI VersaProbe 4", "XPS"),
    ("デジタルマイクロスコープ", "光学観察", "キーエンス", "VHX-7000", "深度合成"),
    ("充放電試験装置", "電池評価", "北斗電工", "HJ1001SD8", "8チャンネル"),
    ("高圧水素ガス中材料試験機", "材料試験", "島津製作所", "HGT-100MPa", "水素脆化評価、最高圧力100MPa"),
)
PREFIXES = ("", "", "", "高分解能", "多機能", "大型", "小型", "新型", "共用")
MODES = ("機器使用", "機器使用", "依頼試験", "技術相談")
UNITS = {"機器使用": "1時間", "依頼試験": "1試料", "技術相談": "1件"}
REQUIREMENTS = (None, None, "講習受講", "事前予約", "利用者講習の修了", "放射線業務従事者の登録")
FIELDS = ("材料", "機械・加工", "食品", "バイオ", "電気・電子", "環境", "水素・エネルギー", "化学", "繊維", "情報")
TOPICS = ("破断面の観察", "寸法測定の相談", "賞味期限の設定", "EMC試験の事前評価", "めっき不良の原因", "排水処理")
COORDINATORS = tuple(f"{s}コーディネーター" for s in ("山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "中村", "小林"))

_WIDE = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "　"})


def model_variant(model: str, rng: random.Random) -> str:
    """The model number as an institution's list may write it: ASCII, full width, or a space for the dash."""
    way = rng.random()
    if way < 0.2:
        return model.translate(_WIDE).replace("－", "－")
    if way < 0.3:
        return model.replace("-", " ")
    if way < 0.35:
        return model.replace("-", "‐")  # U+2010
    return model


def add_institutions(engine: Engine, rng: random.Random) -> list[tuple[int, str, str]]:
    """The institutions not yet there added through the service; all of them: (id, name, prefecture)."""
    with unit_of_work(engine) as session:
        existing = set(session.scalars(select(store.Institution.name)))
    for prefecture, names in INSTITUTIONS.items():
        for name in names:
            if name in existing:
                continue
            rule = {"own": rng.choice((0.8, 1.0)), "union": 1.0, "other": rng.choice((1.0, 1.5, 2.0))}
            kind = "大学" if "大学" in name else ("支援機関" if "財団" in name or "機構" in name else "公設試")
            add_institution(InstitutionForm(name, prefecture, kind, "06-0000-0000", rule), actor=ADMIN, engine=engine)
    with unit_of_work(engine) as session:
        rows = session.execute(select(store.Institution.id, store.Institution.name, store.Institution.prefecture))
        return [(i, n, p) for i, n, p in rows]


def add_equipment(engine: Engine, institutions: list[tuple[int, str, str]], count: int, rng: random.Random) -> None:
    """``count`` equipment entries, bulk-inserted, their key and search text made as the import makes them."""
    rows: list[dict[str, Any]] = []
    for n in range(count):
        institution_id, institution, _prefecture = institutions[n % len(institutions)]
        name, category, maker, model, spec = rng.choice(CATALOGUE)
        name = f"{rng.choice(PREFIXES)}{name}（{n // len(institutions) + 1}号機）"
        model = model_variant(model, rng)
        mode = rng.choice(MODES)
        rows.append(
            {
                "institution_id": institution_id,
                "key": (fold(name) + "|" + fold(model))[:400],
                "name": name,
                "category": category,
                "maker": maker,
                "model": model,
                "specification": spec,
                "mode": mode,
                "fee": float(rng.randrange(500, 30_000, 100)),
                "fee_unit": UNITS[mode],
                "requirements": rng.choice(REQUIREMENTS),
                "updated_on": dt.date(2026, 4, 1) - dt.timedelta(days=rng.randrange(0, 900)),
                "withdrawn": rng.random() < 0.03,
                "search_text": search_text(name, category, maker, model, spec, institution),
            }
        )
    _bulk(engine, store.Equipment, rows)
    with engine.begin() as connection:  # a bulk insert bypasses the ORM, which keeps the bigrams on import
        reindex(
            connection, {i: t for i, t in connection.execute(select(store.Equipment.id, store.Equipment.search_text))}
        )


def add_cases(
    engine: Engine, institutions: list[tuple[int, str, str]], firms: int, count: int, rng: random.Random
) -> None:
    """``firms`` organisations with valid 法人番号 and ``count`` consultations, bulk-inserted."""
    organisations = []
    for n in range(firms):
        body = f"{1_200_000_000_000 + n * 7919:012d}"[-12:]
        name = f"株式会社ベンチ製作所{n + 1}"
        number = cn.calc_check_digit(body) + body
        organisations.append({"name": name, "folded_name": fold_organisation_name(name), "corporate_number": number})
    _bulk(engine, event_store.Organisation, organisations)
    with unit_of_work(engine) as session:
        organisation_ids = list(session.scalars(select(event_store.Organisation.id)))
    rows = []
    for _n in range(count):
        opened = dt.date(2023, 4, 1) + dt.timedelta(days=rng.randrange(0, 1_200))
        status = rng.choice(store.STATUSES)
        closed = status in store.CLOSED_STATUSES
        rows.append(
            {
                "organisation_id": rng.choice(organisation_ids),
                "institution_id": rng.choice(institutions)[0],
                "topic": rng.choice(TOPICS),
                "field": rng.choice(FIELDS),
                "phase": rng.choice(store.PHASES),
                "coordinator": rng.choice(COORDINATORS),
                "status": status,
                "outcome": rng.choice(store.OUTCOMES) if closed else None,
                "opened_on": opened,
                "closed_on": opened + dt.timedelta(days=rng.randrange(1, 200)) if closed else None,
                "created_by": "bench",
            }
        )
    _bulk(engine, store.Consultation, rows)


def add_seeds(engine: Engine, institutions: list[tuple[int, str, str]], count: int, rng: random.Random) -> None:
    """``count`` equipment seeds (an institution offering a piece of its catalogue), bulk-inserted."""
    rows = []
    for _n in range(count):
        name, category, maker, model, spec = rng.choice(CATALOGUE)
        rows.append(
            {
                "institution_id": rng.choice(institutions)[0],
                "kind": "設備",
                "title": f"{name}（{maker} {model}）による{category}",
                "description": f"{spec}。{category}の依頼試験と機器使用に対応し、測定結果の見方を助言する。",
                "field": rng.choice(FIELDS),
                "phase": rng.choice(store.PHASES),
            }
        )
    _bulk(engine, store.Seed, rows)


def _bulk(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with unit_of_work(engine) as session:
        for start in range(0, len(rows), 5_000):
            session.execute(insert(model), rows[start : start + 5_000])


SEARCHES: tuple[tuple[str, str, Filters, int], ...] = (
    ("two-character word", "硬さ", Filters(), 1),
    ("two-character word", "粉体", Filters(), 1),
    ("two-character word", "試験", Filters(), 3),
    ("synonym", "SEM", Filters(), 1),
    ("synonym", "走査型電子顕微鏡", Filters(), 2),
    ("synonym", "XRD", Filters(), 1),
    ("synonym", "恒温恒湿", Filters(), 1),
    ("synonym", "CMM", Filters(), 1),
    ("model number", "JSM-IT200", Filters(), 1),
    ("model number", "ＪＳＭ－ＩＴ２００", Filters(), 1),
    ("model number", "JSM IT200", Filters(), 1),
    ("model number", "ＪＳＭ", Filters(), 1),
    ("model number", "ag-xplus", Filters(), 1),
    ("facet", "SEM", Filters(prefecture="兵庫県"), 1),
    ("facet", "", Filters(category="材料試験"), 1),
    ("facet", "分析", Filters(prefecture="大阪府", mode="依頼試験"), 1),
    ("facet", "", Filters(institution="滋賀県工業技術総合センター"), 2),
    ("all, deep page", "", Filters(), 500),
    ("two words", "X線 分析", Filters(), 1),
    ("no hit", "ラマン分光", Filters(), 1),
)


def timed(call: Callable[[], object], rounds: int, cpu: list[float] | None = None) -> list[float]:
    """Wall times (ms) of ``rounds`` calls, after one untimed call (their CPU times appended to ``cpu``).

    On a shared machine the wall time includes waiting for a core; with SQLite the database works in this
    process, so the process's CPU time is what a call costs (with PostgreSQL, the server's work is not in it)."""
    call()
    times = []
    for _ in range(rounds):
        started, used = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - used) * 1000)
    return times


def line(label: str, times: list[float], target: float | None = None, cpu: list[float] | None = None) -> None:
    """One printed figure: p50, p95 and max, with the target and whether it is met (and the CPU p95)."""
    p95 = percentile(times, 0.95)
    verdict = "" if target is None else f"   target p95 ≤ {target:.0f} ms: {'ok' if p95 <= target else 'MISSED'}"
    spent = (
        f"   (CPU of this process p50 {percentile(cpu, 0.5):.1f}, p95 {percentile(cpu, 0.95):.1f} ms)" if cpu else ""
    )
    print(
        f"  {label:<30} n {len(times):>5}  p50 {percentile(times, 0.5):7.1f}  p95 {p95:7.1f}  max {max(times):7.1f} ms"
        f"{verdict}{spent}"
    )


def bench_search(engine: Engine, rounds: int) -> None:
    """Search p95 over the mix, by kind and overall."""
    print("\nかんさいラボサーチ search (labsearch.search, in process)")
    by_kind: dict[str, list[float]] = {}
    cpu: list[float] = []
    for kind, q, filters, page in SEARCHES:
        result = search(q, filters, page=page, user_prefecture="京都府", engine=engine)
        times = timed(
            lambda q=q, f=filters, p=page: search(q, f, page=p, user_prefecture="京都府", engine=engine), rounds, cpu
        )
        by_kind.setdefault(kind, []).extend(times)
        print(
            f"    {q or '（なし）'} {_filters(filters)} page {page}: {result.total:,} hits, p95 {percentile(times, 0.95):.1f} ms"
        )
    for kind, times in by_kind.items():
        line(kind, times)
    line("all searches", [t for ts in by_kind.values() for t in ts], SEARCH_TARGET_MS, cpu)


def _filters(filters: Filters) -> str:
    return " ".join(f"{k}={v}" for k, v in vars(filters).items() if v)


def bench_case_list(engine: Engine, rounds: int) -> None:
    """Case list p95 with each status group and several pages."""
    print("\ncase list (cases.list_cases, 50 a page, newest first)")
    every: list[float] = []
    first: list[float] = []
    cpu: list[float] = []
    for group in ("", "対応中", "完了"):
        _lines, total = list_cases(actor=COORDINATOR, status_group=group, engine=engine)
        last = max(1, -(-total // 50))
        for page in dict.fromkeys((1, 2, min(100, last), last)):
            times = timed(
                lambda g=group, p=page: list_cases(actor=COORDINATOR, status_group=g, page=p, engine=engine),
                rounds,
                cpu,
            )
            every.extend(times)
            first.extend(times if page <= 2 else [])
            print(
                f"    status {group or 'all'} page {page} of {last} ({total:,} cases): p95 {percentile(times, 0.95):.1f} ms"
            )
    line("pages 1 and 2", first, LIST_TARGET_MS)
    line("all case lists", every, LIST_TARGET_MS, cpu)


def bench_suggestions(engine: Engine, need_ids: list[int], seeds: int) -> None:
    """Time of suggest_seeds(limit=5) for each labelled need among all the seeds."""
    print(f"\nsuggestions (matching.suggest_seeds, top 5 among {seeds:,} seeds)")
    times: list[float] = []
    cpu: list[float] = []
    for need_id in need_ids:
        times += timed(lambda n=need_id: suggest_seeds(n, actor=COORDINATOR, limit=5, engine=engine), 1, cpu)
    line("suggestion per need", times, SUGGEST_TARGET_MS, cpu)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _urls() -> list[str]:
    urls = []
    for _kind, q, filters, page in SEARCHES:
        query = urllib.parse.urlencode({"q": q, **{k: v for k, v in vars(filters).items() if v}, "page": page})
        urls += [f"/labsearch?{query}&user_prefecture=大阪府", f"/api/v1/labsearch?{query}"]
    return urls


async def _searcher(base: str, urls: list[str], until: float, seed: int, stats: dict[str, list[float]]) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=1)) as client:
        while time.monotonic() < until:
            started = time.perf_counter()
            try:
                response = await client.get(rng.choice(urls))
                ok = response.status_code == 200
                timing = response.headers.get("server-timing", "")
                if "dur=" in timing:
                    stats["app"].append(float(timing.split("dur=")[1]))
            except httpx.HTTPError:
                ok = False
            stats["wall"].append((time.perf_counter() - started) * 1000)
            stats["ok" if ok else "errors"].append(1.0)


async def bench_http(url: str, *, clients: int, duration: float, workers: int) -> None:
    """``clients`` public searchers against a real uvicorn for ``duration`` seconds."""
    port = _port()
    command = [sys.executable, "-m", "uvicorn", "keikaku.web.asgi:app", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, env={**os.environ, "KEIKAKU_DATABASE_URL": url})
    base = f"http://127.0.0.1:{port}"
    urls = _urls()
    try:
        async with httpx.AsyncClient(
            base_url=base, timeout=60, limits=httpx.Limits(max_keepalive_connections=0)
        ) as probe:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if (await probe.get("/api/v1/labsearch?q=SEM")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start")
                await asyncio.sleep(0.3)
            for _ in range(2 * workers):
                for target in urls:
                    await probe.get(target)
        alone: dict[str, list[float]] = {"ok": [], "errors": [], "wall": [], "app": []}
        await _searcher(base, urls, time.monotonic() + duration / 3, clients, alone)
        stats: dict[str, list[float]] = {"ok": [], "errors": [], "wall": [], "app": []}
        started = time.monotonic()
        await asyncio.gather(*(_searcher(base, urls, started + duration, n, stats) for n in range(clients)))
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    print(
        f"\none public searcher alone over HTTP, {duration / 3:.1f} s: {len(alone['ok'])} requests, {len(alone['errors'])} errors"
    )
    line("client-side latency", alone["wall"])
    if alone["app"]:
        line("in-app time (Server-Timing)", alone["app"], SEARCH_TARGET_MS)
    total = len(stats["ok"]) + len(stats["errors"])
    print(f"\n{clients} concurrent public searchers over HTTP, uvicorn with {workers} worker(s), {elapsed:.1f} s")
    errors = len(stats["errors"])
    print(
        f"  requests {total:,}, errors {errors} (target 0: {'ok' if errors == 0 else 'MISSED'}), {total / elapsed:.1f} requests/s"
    )
    line("client-side latency", stats["wall"])
    if stats["app"]:
        line("in-app time (Server-Timing)", stats["app"], SEARCH_TARGET_MS)


def main() -> None:
    """Generate, then measure search, case list, HTTP load and suggestions."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a new database is made there and dropped")
    parser.add_argument("--equipment", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--firms", type=int, default=8_000)
    parser.add_argument("--seeds", type=int, default=2_000, help="seeds added to the 90 labelled ones")
    parser.add_argument("--rounds", type=int, default=10, help="timed calls per search query and case-list page")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of HTTP load")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    rng = random.Random(2026)
    with fresh_database(args.postgres) as engine:
        started = time.perf_counter()
        loaded = load(engine, load_pairs())
        institutions = add_institutions(engine, rng)
        add_equipment(engine, institutions, args.equipment, rng)
        add_cases(engine, institutions, args.firms, args.cases, rng)
        add_seeds(engine, institutions, args.seeds, rng)
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        print(
            f"database: {engine.dialect.name}; CPUs {os.cpu_count()}; {len(institutions)} institutions, "
            f"{args.equipment:,} equipment entries, {args.firms:,} firms, {args.cases:,} cases, "
            f"{args.seeds + len(loaded.seed_keys):,} seeds, generated in {time.perf_counter() - started:.1f} s"
        )
        bench_search(engine, args.rounds)
        bench_case_list(engine, args.rounds)
        bench_suggestions(engine, list(loaded.relevant), args.seeds + len(loaded.seed_keys))
        url = engine.url.render_as_string(hide_password=False)
        asyncio.run(bench_http(url, clients=args.clients, duration=args.duration, workers=args.workers))


if __name__ == "__main__":
    main()
