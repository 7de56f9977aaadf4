"""Communications at scale: a GA4 export of 100,000 rows imported (target ≤ 5 s), the fiscal year's page
views computed from it, and a directory of 2,000 firms searched (target p95 ≤ 20 ms).

Builds a fresh SQLite database with the bundled data, a property, a dated GA4 export (100 pages × 1,000
days would span years, so: 3,334 pages × 30 days of one month) and 2,000 listed firms.  Prints figures.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from keikaku.services.communications.analytics import add_property, import_analytics
from keikaku.services.communications.directories import import_directory, search_directory
from keikaku.services.communications.figures import evaluate_communications
from keikaku.services.core.actors import SYSTEM
from keikaku.services.exchange.initialize import initialize_database
from keikaku.storage.engine import make_engine
from keikaku.storage.uow import read_session

ROWS = 100_000


def _ga4(rows: int) -> bytes:
    lines = ["# Start date: 20260501", "# End date: 20260530", "Date,Page path and screen class,Views,Sessions"]
    pages = rows // 30 + 1
    lines += [f"202605{d:02d},/page/{p},{p % 50 + 1},{p % 7}" for p in range(pages) for d in range(1, 31)][:rows]
    return ("\n".join(lines) + "\n").encode()


def _firms(n: int) -> bytes:
    prefectures = ("大阪府", "京都府", "兵庫県", "滋賀県", "奈良県", "和歌山県")
    lines = ["企業名,府県,業種,製品,掲載年度"]
    lines += [f"合成工業{i:05d}株式会社,{prefectures[i % 6]},機械,水素バルブ{i % 97},2025" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    """Run the measurements and print them."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'comms.sqlite3'}")
        initialize_database(engine=engine)
        add_property("bench", "ベンチサイト", "広報課", actor=SYSTEM, engine=engine)
        content = _ga4(ROWS)
        start = time.perf_counter()
        result = import_analytics("bench", "ga4.csv", content, actor=SYSTEM, engine=engine)
        took = time.perf_counter() - start
        print(f"ga4 import rows: {result.rows:,}")
        print(f"ga4 import seconds: {took:.2f} (target <= 5)")
        start = time.perf_counter()
        with read_session(engine) as session:
            figure = evaluate_communications(session, "web_views", {"fiscal_year": 2026, "property": "bench"})
        print(f"fiscal year page views: {figure.value:,.0f} in {time.perf_counter() - start:.3f} s")
        import_directory("kansai_companies", "firms.csv", _firms(2000), "広報課", actor=SYSTEM, engine=engine)
        times = []
        for i in range(200):
            start = time.perf_counter()
            search_directory("kansai_companies", f"バルブ{i % 97}", engine=engine)
            times.append((time.perf_counter() - start) * 1000)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"directory search p95 ms: {p95:.1f} (target <= 20; 2,000 firms)")
        engine.dispose()


if __name__ == "__main__":
    main()
