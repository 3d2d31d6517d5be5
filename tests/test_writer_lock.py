"""Two refreshes never write the warehouse at once: the second waits, or is skipped."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.writer_lock import WarehouseBusy, warehouse_writer_lock


def test_a_second_writer_is_refused_without_waiting(tmp_path: Path) -> None:
    with warehouse_writer_lock(tmp_path):
        with pytest.raises(WarehouseBusy, match="pid"):
            with warehouse_writer_lock(tmp_path, wait=False):
                pass


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    order: list[str] = []
    waited: list[str] = []
    first_has_lock = threading.Event()

    def first() -> None:
        with warehouse_writer_lock(tmp_path):
            first_has_lock.set()
            time.sleep(0.3)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    first_has_lock.wait()
    with warehouse_writer_lock(tmp_path, on_wait=waited.append):
        order.append("second writes")
    thread.join()
    assert order == ["first done", "second writes"]
    assert waited and waited[0].startswith("pid ")


def test_refresh_no_wait_is_skipped_visibly_while_another_writes(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    warehouse = tmp_path / "warehouse"
    monkeypatch.setenv("PSOPS_WAREHOUSE_DIR", str(warehouse))
    monkeypatch.setattr("orchestration.refresh.preflight", lambda sources=None: None)
    with warehouse_writer_lock(warehouse):
        code = main(["refresh", "--no-wait"])
    assert code == 1
    err = capsys.readouterr().err
    assert "skipped" in err and "another refresh" in err
    assert not (warehouse / "psops.duckdb").exists()
