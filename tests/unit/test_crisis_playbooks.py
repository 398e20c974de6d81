"""The crisis playbooks in playbooks/crisis/: they validate, every template renders cleanly, broken
ones fail loudly, the package ships them, and an incident's topics pick the right one."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from jinja2 import UndefinedError
from pydantic import ValidationError

from chalicelib.adapters.crisis_playbooks import CRISIS_DIR, CrisisPlaybookError, load_crisis_library
from chalicelib.adapters.playbooks import load_playbook
from chalicelib.domain.crisis import (
    REQUIRED_ROLES,
    SAMPLE_CONTEXTS,
    X_MAX_CHARS,
    CrisisLibrary,
    CrisisPlaybook,
    CrisisType,
    TemplateContext,
    VerifiedFact,
    known_risk_categories,
    playbook_for_incident,
    render,
    select_playbook,
    template_problems,
)
from chalicelib.domain.models import Incident, IncidentStatus, Severity

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
CRISIS = PLAYBOOKS / CRISIS_DIR
RISK_CATEGORIES = known_risk_categories(load_playbook(PLAYBOOKS).risk_terms)
LIBRARY = load_crisis_library(CRISIS, risk_categories=RISK_CATEGORIES)
PLAYBOOK_IDS = [playbook.id for playbook in LIBRARY.playbooks]


def _document(playbook_id: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((CRISIS / f"{playbook_id}.yaml").read_text(encoding="utf-8"))
    return document


def _reply(document: dict[str, Any], channel: str, address: str, variant: str = "standard") -> dict[str, Any]:
    return next(
        r
        for r in document["replies"]
        if (r["channel"], r["address"], r.get("variant", "standard")) == (channel, address, variant)
    )


def _copy_crisis_dir(tmp_path: Path) -> Path:
    target = tmp_path / CRISIS_DIR
    shutil.copytree(CRISIS, target)
    return target


# --- the shipped playbooks ---------------------------------------------------------------------------


def test_there_is_a_bilingual_playbook_for_every_crisis_type() -> None:
    # Given the shipped library (loaded above through the adapter, as at cold start)
    # Then every crisis type has exactly one playbook, in German and English, with the five core roles
    assert sorted(p.crisis_type for p in LIBRARY.playbooks) == sorted(get_args(CrisisType))
    for playbook in LIBRARY.playbooks:
        assert playbook.languages == ("de", "en")
        assert {entry.role for entry in playbook.roles} >= set(REQUIRED_ROLES)
    assert LIBRARY.fallback.id == "beschwerdewelle"


def test_every_risk_category_of_risk_terms_selects_a_playbook() -> None:
    # Given the categories risk_terms.yaml defines
    # Then each one points to at least one playbook, so no risk term leads nowhere
    mapped = {category for p in LIBRARY.playbooks for category in p.selected_by.risk_categories}
    assert mapped == set(RISK_CATEGORIES)


@pytest.mark.parametrize("playbook_id", PLAYBOOK_IDS)
def test_every_template_renders_cleanly_in_every_language(playbook_id: str) -> None:
    # Given a shipped playbook
    playbook = LIBRARY.get(playbook_id)
    assert playbook is not None
    # When its templates are rendered with no facts, and with a long brand, handle and three facts
    # Then nothing is unknown, too long, a public offer of compensation, an admission or the wrong address
    assert template_problems(playbook) == []


@pytest.mark.parametrize("playbook_id", PLAYBOOK_IDS)
def test_statements_state_exactly_the_verified_facts_passed_in(playbook_id: str) -> None:
    playbook = LIBRARY.get(playbook_id)
    assert playbook is not None
    fact = VerifiedFact(text="Die Serie SP-3000 ist nicht betroffen.", verified_by="Erika Mustermann")
    bare = TemplateContext(brand="Beispiel GmbH", incident_title="Beispielthema")
    with_fact = bare.model_copy(update={"facts": (fact,)})
    for address in ("sie", "du"):
        for lang in ("de", "en"):
            source = playbook.holding_statement(address).text.get(lang)
            assert source is not None
            # When the holding statement is rendered without facts, it still reads as a whole text
            without = render(source, bare)
            assert "Beispiel GmbH" in without
            assert not re.search(r"^- ", without, re.MULTILINE), "no fact list without facts"
            # When one verified fact is passed, it is stated once, word for word, and no other bullet
            stated = render(source, with_fact)
            assert stated.count(fact.text) == 1
            assert re.findall(r"^- .*$", stated, re.MULTILINE) == [f"- {fact.text}"]
            assert "Erika Mustermann" not in stated, "who verified a fact stays internal"


def test_short_public_replies_fit_on_x_and_name_the_author() -> None:
    longest = SAMPLE_CONTEXTS[1]
    for playbook in LIBRARY.playbooks:
        for address in ("sie", "du"):
            reply = playbook.reply("public_reply", address, "short")
            assert reply is not None and reply.max_chars == X_MAX_CHARS
            for lang in ("de", "en"):
                text = render(reply.text.get(lang) or "", longest)
                assert len(text) <= X_MAX_CHARS, (playbook.id, address, lang, len(text))
                assert text.startswith(f"{longest.author_handle} ")


def test_sie_and_du_templates_address_people_differently() -> None:
    playbook = LIBRARY.get("produktmangel-rueckruf")
    assert playbook is not None
    context = SAMPLE_CONTEXTS[0]
    sie = render(playbook.reply("private_message", "sie").text.de, context)  # type: ignore[union-attr]
    du = render(playbook.reply("private_message", "du").text.de, context)  # type: ignore[union-attr]
    assert "Sie" in sie and not re.search(r"\b(du|dich|dein\w*)\b", sie, re.IGNORECASE)
    assert re.search(r"\bdu\b", du) and not re.search(r"\b(Ihnen|Ihre[mnrs]?)\b", du)


def test_dos_and_donts_ground_the_rule_against_public_compensation_in_the_research() -> None:
    herhausen = LIBRARY.references["herhausen2019"]
    assert herhausen.url == "https://doi.org/10.1177/0022242918822300"
    for playbook in LIBRARY.playbooks:
        cited = [d for d in playbook.donts if d.source == "herhausen2019"]
        assert any(re.search(r"Entschädigung|Gutschein|Gutschrift", d.text.de) for d in cited), playbook.id
        assert "herhausen2019" in LIBRARY.cited_by(playbook)


# --- broken playbooks fail loudly ----------------------------------------------------------------------


def test_a_template_naming_an_undeclared_variable_fails_at_load(tmp_path: Path) -> None:
    # Given a reply template that uses a variable the context does not declare
    directory = _copy_crisis_dir(tmp_path)
    document = _document("datenpanne")
    _reply(document, "public_reply", "sie")["text"]["de"] = "Hallo {{ customer_name }}, wir prüfen das."
    (directory / "datenpanne.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    # When the library is loaded, Then it fails and names the variable and the file
    with pytest.raises(CrisisPlaybookError, match=r"(?s)datenpanne\.yaml.*customer_name"):
        load_crisis_library(directory, risk_categories=RISK_CATEGORIES)


def test_an_unknown_name_or_fact_field_fails_when_rendered() -> None:
    # StrictUndefined: neither an unknown name nor an unknown field of a fact renders as empty text
    with pytest.raises(UndefinedError):
        render("{{ customer_name }}", SAMPLE_CONTEXTS[0])
    with pytest.raises(UndefinedError):
        render("{% for fact in facts %}{{ fact.source }}{% endfor %}", SAMPLE_CONTEXTS[1])


def test_a_template_that_fails_only_with_facts_is_reported() -> None:
    # Given a template that is fine without facts but names a field facts do not have
    document = _document("beschwerdewelle")
    _reply(document, "private_message", "sie")["text"]["en"] = (
        "Hello,\n{% for fact in facts %}\n- {{ fact.source }}\n{% endfor %}\nThe team"
    )
    playbook = CrisisPlaybook.model_validate(document)
    # When the templates are checked, Then the rendering failure is reported with its place
    problems = template_problems(playbook)
    assert len(problems) == 1
    assert problems[0].startswith("beschwerdewelle reply/private_message/sie/standard [en]: does not render")


@pytest.mark.parametrize(
    ("channel", "text", "problem"),
    [
        ("public_reply", "Als Entschuldigung schenken wir Ihnen einen Gutschein.", "offers compensation"),
        ("public_reply", "We will refund you in full.", "offers compensation"),
        ("private_message", "Das war eindeutig unsere Schuld.", "admits liability"),
        ("public_reply", "Schreib uns, wir kümmern uns um deinen Fall.", "form of address sie"),
    ],
)
def test_public_compensation_admitted_liability_and_the_wrong_address_are_rejected(
    channel: str, text: str, problem: str
) -> None:
    document = _document("beschwerdewelle")
    lang = "en" if text.startswith("We") else "de"
    _reply(document, channel, "sie")["text"][lang] = text
    problems = template_problems(CrisisPlaybook.model_validate(document))
    assert any(problem in p for p in problems), problems


def test_a_private_message_may_discuss_a_solution_a_public_reply_may_not() -> None:
    document = _document("beschwerdewelle")
    _reply(document, "private_message", "sie")["text"]["de"] = "Gern prüfen wir eine Erstattung für Sie."
    assert template_problems(CrisisPlaybook.model_validate(document)) == []


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["replies"].remove(_reply(d, "press_statement", "sie")), "reply templates missing"),
        (lambda d: d.__setitem__("roles", [r for r in d["roles"] if r["role"] != "recht"]), "roles missing"),
        (lambda d: d["severity"].pop("SEV2"), "severity guidance missing"),
        (lambda d: d["first_hour"][0].__setitem__("role", "marketing"), "checklist names roles"),
        (lambda d: d["first_hour"].reverse(), "ordered by due_minutes"),
        (lambda d: d["holding_statements"].pop(), "one holding statement per form of address"),
        (lambda d: d["title"].pop("en"), "English version"),
        (lambda d: _reply(d, "public_reply", "du", "short").pop("max_chars"), "states its max_chars"),
        (lambda d: d.__setitem__("fallback", False), "exactly one playbook is the fallback"),
    ],
)
def test_an_incomplete_playbook_does_not_validate(tmp_path: Path, mutate: Any, message: str) -> None:
    directory = _copy_crisis_dir(tmp_path)
    document = _document("beschwerdewelle")
    mutate(document)
    (directory / "beschwerdewelle.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    with pytest.raises(CrisisPlaybookError, match=message):
        load_crisis_library(directory, risk_categories=RISK_CATEGORIES)


def test_a_category_risk_terms_does_not_define_fails_at_load() -> None:
    with pytest.raises(CrisisPlaybookError, match="datenpanne: unknown risk category 'datenschutz'"):
        load_crisis_library(CRISIS, risk_categories=RISK_CATEGORIES - {"datenschutz"})


def test_a_file_is_named_after_its_playbook_and_cites_known_sources(tmp_path: Path) -> None:
    directory = _copy_crisis_dir(tmp_path)
    (directory / "datenpanne.yaml").rename(directory / "datenleck.yaml")
    with pytest.raises(CrisisPlaybookError, match=r"named after its id \(datenpanne\.yaml\)"):
        load_crisis_library(directory, risk_categories=RISK_CATEGORIES)
    (directory / "datenleck.yaml").rename(directory / "datenpanne.yaml")
    (directory / "_references.yaml").write_text("{}\n", encoding="utf-8")
    with pytest.raises(CrisisPlaybookError, match="cite unknown references"):
        load_crisis_library(directory, risk_categories=RISK_CATEGORIES)


def test_the_lambda_package_ships_the_crisis_playbooks(tmp_path: Path) -> None:
    from infra.chalice_project import PACKAGED_PLAYBOOKS_DIR, stage_project

    # Given the project staged for packaging, as the CDK app stages it
    project = stage_project(ROOT, tmp_path, chalice_stage="test", config_stage="dev")
    packaged = project / "chalicelib" / Path(PACKAGED_PLAYBOOKS_DIR).name / CRISIS_DIR
    # Then every crisis file is inside chalicelib/, and the copy loads to the same library
    assert sorted(p.name for p in packaged.iterdir()) == sorted(p.name for p in CRISIS.iterdir())
    assert load_crisis_library(packaged, risk_categories=RISK_CATEGORIES) == LIBRARY


# --- which playbook fits an incident -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("topics", "expected"),
    [
        (["#rueckruf", "sicherheit"], "produktmangel-rueckruf"),
        (["#Rückruf"], "produktmangel-rueckruf"),
        (["produktmangel"], "produktmangel-rueckruf"),
        (["sicherheit", "service", "abwanderung"], "produktmangel-rueckruf"),
        (["datenschutz"], "datenpanne"),
        (["datenschutz", "service"], "datenpanne"),
        (["#datenleck"], "datenpanne"),
        (["diskriminierung"], "vorwurf-fehlverhalten"),
        (["diskriminierung", "boykott"], "kontroverse-werbung"),
        (["#werbung", "diskriminierung"], "kontroverse-werbung"),
        (["#fakenews"], "falschinformation"),
        (["betrug", "#fakeshop"], "falschinformation"),
        (["betrug"], "beschwerdewelle"),
        (["#stoerung", "produktmangel"], "stoerung-lieferproblem"),
        (["#lieferverzug", "service"], "stoerung-lieferproblem"),
        (["service"], "beschwerdewelle"),
        (["reputation"], "beschwerdewelle"),
    ],
)
def test_an_incidents_topics_select_the_fitting_playbook(topics: list[str], expected: str) -> None:
    choice = select_playbook(LIBRARY, topics)
    assert choice.playbook_id == expected
    assert choice.matched and not choice.fallback


@pytest.mark.parametrize("topics", [[], ["#spuelmeister3000"], ["allgemein"]])
def test_without_a_known_topic_the_complaints_wave_playbook_is_the_fallback(topics: list[str]) -> None:
    choice = select_playbook(LIBRARY, topics)
    assert (choice.playbook_id, choice.fallback, choice.matched) == ("beschwerdewelle", True, ())


def test_a_tie_goes_to_the_playbook_with_the_lower_priority_number() -> None:
    # Given two playbooks that weigh a topic the same
    recall = LIBRARY.get("produktmangel-rueckruf")
    complaints = LIBRARY.get("beschwerdewelle")
    assert recall is not None and complaints is not None
    tied = CrisisLibrary(
        playbooks=(
            recall.model_copy(
                update={"selected_by": recall.selected_by.model_copy(update={"topics": {"x_y": 2}})}
            ),
            complaints.model_copy(
                update={"selected_by": complaints.selected_by.model_copy(update={"topics": {"x_y": 2}})}
            ),
        ),
        references=LIBRARY.references,
    )
    # When the topic comes up, Then the playbook listed first by priority wins
    assert select_playbook(tied, ["x_y"]).playbook_id == "produktmangel-rueckruf"


def test_the_playbook_for_an_incident_follows_its_topics() -> None:
    now = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    incident = Incident(
        incident_id="INC-20261120-3F9A2C",
        brand="mueller",
        topic="#rueckruf",
        title="Müller Haushaltsgeräte GmbH: #rueckruf",
        status=IncidentStatus.OPEN,
        severity=Severity.SEV1,
        topics=("#rueckruf", "sicherheit", "#spuelmeister3000"),
        opened_at=now,
        updated_at=now,
        detected_at=now,
        first_signal_at=now,
    )
    choice = playbook_for_incident(LIBRARY, incident)
    assert choice.playbook_id == "produktmangel-rueckruf"
    assert choice.matched == ("rueckruf", "sicherheit")
    # An incident that only carries its main topic is matched on that
    only_topic = incident.model_copy(update={"topics": (), "topic": "datenschutz"})
    assert playbook_for_incident(LIBRARY, only_topic).playbook_id == "datenpanne"


def test_a_fact_needs_someone_who_verified_it() -> None:
    with pytest.raises(ValidationError):
        VerifiedFact(text="Niemand wurde verletzt.", verified_by="")
