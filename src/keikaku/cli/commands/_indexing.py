"""Building the search index at load time, with a progress bar (``keikaku init`` and ``keikaku synth``).

A server started on a database whose index is incomplete serves at once and builds the rest behind it
(search says 「索引を作成中」 meanwhile); building it here, when the data is loaded, means a server never has
to.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def build_search_index(out: Console) -> None:
    """Index every plan not yet indexed, showing progress; prints how many and how long."""
    from keikaku.services.search.index import sync_search_index

    started = time.perf_counter()
    with Progress(
        TextColumn("検索索引"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=out, transient=True
    ) as progress:
        task = progress.add_task("index", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        status = sync_search_index(progress=report)
    if status.indexed_plans:
        out.print(f"検索索引: 計画 {status.indexed_plans:,} 件を索引しました（{time.perf_counter() - started:.1f} 秒）")
