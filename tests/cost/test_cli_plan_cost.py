"""`launchbay plan` prints the plan's cost difference in one line."""
from __future__ import annotations

from cli.output import cost_lines
from tests.cli.test_cli_iac import LAUNCHBAY_YAML


def test_cost_line_formats_before_after_and_signed_delta():
    money = lambda lo, hi: {"monthly_min": lo, "monthly_max": hi, "currency": "USD"}  # noqa: E731
    [line] = cost_lines({"before": money(42.76, 69.14), "after": money(69.79, 150.23), "delta": money(27.03, 81.09)})
    assert line.plain == "Estimated monthly cost: $42.76–$69.14 → $69.79–$150.23 (+$27.03–+$81.09 a month, USD)"
    [line] = cost_lines({"before": money(10, 10), "after": money(0, 0), "delta": money(-10, -10)})
    assert line.plain == "Estimated monthly cost: $10.00 → $0.00 (-$10.00 a month, USD)"
    assert cost_lines(None) == []


def test_launchbay_plan_shows_the_cost(cli, account, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "launchbay.yaml").write_text(LAUNCHBAY_YAML)
    out = cli("plan").stdout
    # one web service, 1 task of 0.25 vCPU / 0.5 GB alone behind its ALB, in its private zone (test_estimate.py)
    assert "Estimated monthly cost: $0.00 → $43.36 (+$43.36 a month, USD)" in out
    assert cli("plan", "--json").json()["cost"]["after"]["monthly_min"] == 43.36
