"""The FY2026 evaluation report as PDF (target: under 5 s), and as HTML and XLSX, on the default data.

Builds a fresh SQLite database in a temporary folder with the bundled data and the scenario's actuals,
then renders each format three times.  Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from keikaku.services.actuals.record import ActualInput, set_actual
from keikaku.services.core.actors import Actor, Role
from keikaku.services.evaluations.reports import render_report
from keikaku.services.exchange.initialize import initialize_database
from keikaku.storage.engine import make_engine

ACTOR = Actor(name="bench", roles=frozenset({Role.BUREAU_ADMIN}))


def main() -> None:
    """Render the evaluation report in every format and print the times."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        initialize_database(engine=engine)
        for kpi, value in (
            ("参加企業数", 12),
            ("BioJapanマッチング件数", 80),
            ("参加者数", 205),
            ("パンフレット手交部数", 470),
        ):
            set_actual(ActualInput(kpi=kpi, fiscal_year=2026, value=value), actor=ACTOR, engine=engine)
        for month in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3):
            set_actual(
                ActualInput(kpi="アクセス件数", fiscal_year=2026, value=2700, month=month), actor=ACTOR, engine=engine
            )
        for fmt in ("pdf", "html", "xlsx"):
            times = []
            size = 0
            for _ in range(3):
                started = time.perf_counter()
                rendered = render_report("evaluation", {"fiscal_year": 2026, "format": fmt}, actor=ACTOR, engine=engine)
                times.append(time.perf_counter() - started)
                size = len(rendered.content)
            print(
                f"evaluation report FY2026 {fmt}: first {times[0]:.2f} s, median {statistics.median(times):.2f} s "
                f"({size:,} bytes)"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
