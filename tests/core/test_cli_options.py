"""`--config` and `--db` mean the same in every command group and may come before the command; old spellings still work."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kordon.interfaces.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()


def invoke(*args: object, env: dict | None = None):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200", "KORDON_CONFIG": "", "KORDON_DATABASE_URL": "", **(env or {})})


@pytest.fixture()
def site(tmp_path):
    """A settings file whose store is not the default one, so we can see which settings a command used."""
    db = tmp_path / "site.db"
    cfg = tmp_path / "site.yaml"
    cfg.write_text(f"database_url: sqlite:///{db}\nlanes: {{random_rate: 0}}\n", encoding="utf-8")
    return cfg, db


def test_config_before_the_command_is_used(site, tmp_path, monkeypatch):
    cfg, db = site
    monkeypatch.chdir(tmp_path)
    res = invoke("--config", cfg, "screen", EXAMPLES / "declarations.jsonl", "--format", "jsonl")
    assert res.exit_code == 0, res.output
    assert db.exists() and not (tmp_path / "kordon.db").exists()
    keys = invoke("--config", cfg, "keys", "list")
    assert keys.exit_code == 0, keys.output


def test_db_before_and_after_the_command_is_the_same_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before, after = tmp_path / "before.db", tmp_path / "after.db"
    assert invoke("--db", f"sqlite:///{before}", "keys", "create", "a", "--role", "officer").exit_code == 0
    assert invoke("keys", "create", "b", "--role", "officer", "--db", f"sqlite:///{after}").exit_code == 0
    # the value after the command wins over the one before it
    assert invoke("--db", f"sqlite:///{before}", "keys", "create", "c", "--role", "officer", "--db", f"sqlite:///{after}").exit_code == 0
    listed_after = invoke("keys", "list", "--db", f"sqlite:///{after}").output
    listed_before = invoke("--db", f"sqlite:///{before}", "keys", "list").output
    assert "\tb\t" in listed_after and "\tc\t" in listed_after and "\ta\t" not in listed_after
    assert "\ta\t" in listed_before and "\tc\t" not in listed_before


def test_old_store_option_spellings_still_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'old.db'}"
    assert invoke("keys", "create", "x", "--role", "officer", f"--database-url={db}").exit_code == 0
    assert "\tx\t" in invoke("keys", "list", "--db", db).output
    assert invoke("lanes", "report", "--database", db).exit_code == 0
    assert not (tmp_path / "kordon.db").exists()


def test_trade_db_and_its_old_spelling(tmp_path):
    duck = tmp_path / "t.duckdb"
    res = invoke("trade", "sources", "--trade-db", duck)
    assert res.exit_code == 0, res.output
    assert duck.exists()
    old = invoke("trade", "sources", "--db", tmp_path / "old.duckdb")
    assert old.exit_code == 0 and "--trade-db" in old.output and (tmp_path / "old.duckdb").exists()


@pytest.mark.parametrize("text, message", [
    ("lanes: {yellow: 25\n", "not valid YAML"),
    ("lanse: {yellow: 25}\n", "did you mean 'lanes'"),
    ("lanes: {yelow: 25}\n", "did you mean 'yellow'"),
    ("", "empty"),
    ("- a\n- b\n", "must be a mapping"),
])
def test_unusable_settings_are_exit_2_with_a_message(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text, encoding="utf-8")
    for args in (("--config", cfg, "rules"), ("rules", "--config", cfg), ("--config", cfg, "keys", "list"),
                 ("--config", cfg, "parties", "match", "Ivanov"), ("--config", cfg, "lists", "show"),
                 ("--config", cfg, "screen", EXAMPLES / "declarations.jsonl")):
        res = invoke(*args)
        assert res.exit_code == 2, (args, res.output)
        assert message in res.output and str(cfg.name) in res.output
        assert "Traceback" not in res.output
