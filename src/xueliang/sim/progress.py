"""Progress bars (rich) that can be switched off for tests and pipes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class Steps:
    """Wraps a rich Progress; a disabled one accepts the same calls and draws nothing."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress

    def task(self, description: str, total: int) -> TaskID | None:
        return self._progress.add_task(description, total=total) if self._progress else None

    def advance(self, task: TaskID | None, n: int) -> None:
        if self._progress is not None and task is not None:
            self._progress.advance(task, n)


@contextmanager
def steps(enabled: bool) -> Iterator[Steps]:
    if not enabled:
        yield Steps(None)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as progress:
        yield Steps(progress)
