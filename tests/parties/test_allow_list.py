import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from kordon.config import Settings
from kordon.ingest.sanctions import lifecycle
from kordon.interfaces.cli import app
from kordon.models import Declaration
from kordon.record import sanctions_lists as sl
from kordon.screen import build_context, screen_declaration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sanctions"


def _decl(name, id_="A1", date="2026-11-20"):
    return Declaration.model_validate({
        "id": id_, "type": "export", "date": date,
        "parties": [{"role": "consignee", "name": name, "country": "RU"}],
        "route": {"dispatch": "KZ", "destination": "KG"},
        "items": [{"hs_code": "940360", "description": "wooden office furniture"}],
    })


def _hits(url, name, date="2026-11-20", screened_on=None):
    as_of = dt.datetime.combine(screened_on, dt.time(12), dt.timezone.utc) if screened_on else None
    d = screen_declaration(_decl(name, date=date), build_context(Settings(database_url=url), as_of=as_of))
    return [h for h in d.hits if h.rule == "parties.sanctions" and h.list and h.list.entry == "ofac-16806"]


def test_allow_list_suppresses_only_the_reviewed_pair(tmp_path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    _, first = lifecycle.load_file(url, FIXTURES / "ofac_sdn", "ofac", version="v1", force=True)  # a small cut replaces the shipped list
    assert _hits(url, "Volga Group")  # a possible/real match before review
    expires = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    res = CliRunner().invoke(app, ["parties", "allow", "Volga Group", "--list", "ofac_sdn", "--entity", "ofac-16806",
                                   "--country", "RU", "--reviewer", "a.analyst", "--reason", "furniture retailer in Kazan, other INN",
                                   "--expires", expires, "--db", url])
    assert res.exit_code == 0, res.output
    assert not _hits(url, "Volga Group")  # suppressed
    assert _hits(url, "Volga Group Holding")  # another party fingerprint still hits
    # After expiry (judged on the day of screening, not on the date the declarant wrote) it hits again.
    assert _hits(url, "Volga Group", screened_on=dt.date.today() + dt.timedelta(days=120))
    assert not _hits(url, "Volga Group", date=(dt.date.today() + dt.timedelta(days=120)).isoformat())
    # The list entity changes (new alias): the review no longer covers it.
    ents = sl.entities_of(url, first.version_pk)
    changed = [dict(e, properties={**e["properties"], "alias": ["VOLGA GRUPP"]}) if e["id"] == "ofac-16806" else e for e in ents]
    assert sl.load_version(url, "ofac_sdn", "v2", "ofac", "c" * 64, changed).activated
    assert _hits(url, "Volga Group")


def test_allow_needs_a_known_entity(tmp_path):
    url = f"sqlite:///{tmp_path / 'k.db'}"
    res = CliRunner().invoke(app, ["parties", "allow", "X Y", "--list", "ofac_sdn", "--entity", "ofac-0", "--reviewer", "r",
                                   "--reason", "r", "--expires", "2099-01-01", "--db", url])
    assert res.exit_code == 2


def test_replay_uses_the_allow_list_the_decision_saw(tmp_path):
    from kordon.service import Kordon

    url = f"sqlite:///{tmp_path / 'k.db'}"
    lifecycle.load_file(url, FIXTURES / "ofac_sdn", "ofac", version="v1", force=True)  # a small cut replaces the shipped list
    k = Kordon(Settings(database_url=url))  # a long-lived service, started before the review was entered
    before = k.screen_and_record(_decl("Volga Group")).decision
    assert before.list_versions["allow_list"] == "0"
    assert [h for h in before.hits if h.rule == "parties.sanctions" and h.list.entry == "ofac-16806"]
    res = CliRunner().invoke(app, ["parties", "allow", "Volga Group", "--list", "ofac_sdn", "--entity", "ofac-16806",
                                   "--country", "RU", "--reviewer", "a", "--reason", "r", "--expires", "2099-01-01", "--db", url])
    assert res.exit_code == 0, res.output
    # The allow-list is live: the running service's next screening uses the entry (issue 14)...
    later = k.screen_and_record(_decl("Volga Group", "A2")).decision
    assert later.list_versions["allow_list"] == "1"
    assert not [h for h in later.hits if h.rule == "parties.sanctions" and h.list.entry == "ofac-16806"]
    # ...and each replay uses the allow-list its decision saw, not the one in the store by then.
    assert k.replay("A1").identical and Kordon(Settings(database_url=url)).replay("A1").identical
    assert k.replay("A2").identical
    # The entry is on the audit trail, bound to its row.
    from kordon.record import audit

    assert [e.action for e in audit.entries(k.store, subject="list:ofac_sdn")][-1] == "allow_list.add"
    assert audit.verify(k.store).ok
