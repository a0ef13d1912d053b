"""The measured figures of docs/reliability.md: what a test records is what the report shows."""

from tests import figures


def test_recorded_figures_are_rendered_with_their_totals(tmp_path, monkeypatch):
    out = tmp_path / "figures.jsonl"
    monkeypatch.setenv(figures.VARIABLE, str(out))
    figures.record("faults", path="create", calls=5, faults=7, cases=35, broken=0)
    figures.record("faults", path="import", calls=13, faults=7, cases=91, broken=2)
    figures.record("isolation", route="GET /v1/facilities", intruders=5, leaks=1)
    figures.record("isolation", route="GET /v1/invoices", intruders=5, leaks=0)
    rows = [figures.json.loads(line) for line in out.read_text().splitlines()]

    faults = figures.RENDER["faults"]([row for row in rows if row["figure"] == "faults"])
    isolation = figures.RENDER["isolation"]([row for row in rows if row["figure"] == "isolation"])

    assert faults[-1] == "| **total** | | | **126** | **2** |"
    assert isolation[-1] == "| 2 | 10 | **1** |"


def test_nothing_is_recorded_outside_a_measuring_run(tmp_path, monkeypatch):
    monkeypatch.delenv(figures.VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)

    figures.record("faults", path="create", calls=5, faults=7, cases=35, broken=0)

    assert list(tmp_path.iterdir()) == []
