"""Loading a policy: the default one, and every kind of mistake named with its line."""

from importlib.resources import files
from pathlib import Path

import pytest

from relaydesk.domain.vocab import Priority, Reason
from relaydesk.escalation.policy import PolicyError, check_policy_file, load_policy

VALID = """\
version: "test-1"
teams: [logistics, billing, general]
default_team: general
signals:
  frustration: {threshold: 0.6}
topics_to_teams: {delivery: logistics, payment: billing}
rules:
  - id: urgent
    when: {signal: urgency}
    then: {handover: true, reasons: [urgent], priority: urgent}
  - id: asked
    when: {signal: explicit_request}
    then: {handover: true, reasons: [explicit_request]}
  - id: continue
    then: {handover: false}
channels:
  email:
    rules:
      - id: one-failure
        when: {outcome: [not_understood]}
        then: {handover: true, reasons: [bot_failure]}
"""


def line_with(text: str, marker: str) -> int:
    """The 1-based line of text holding marker (which must be there exactly once)."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(found) == 1, (marker, found)
    return found[0]


def errors_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        load_policy(text)
    return [str(issue) for issue in caught.value.issues]


def assert_error(text: str, marker: str, *fragments: str) -> None:
    """Loading text fails with an error on marker's line that says all fragments."""
    line = line_with(text, marker)
    errors = errors_of(text)
    hits = [
        e for e in errors if e.startswith(f"<string>:{line}:") and all(f in e for f in fragments)
    ]
    assert hits, f"expected line {line} with {fragments}, got {errors}"


def test_valid_policy_loads() -> None:
    policy = load_policy(VALID)
    assert policy.version == "test-1"
    assert policy.thresholds["frustration"] == 0.6
    assert policy.thresholds["urgency"] == 0.5  # not given: SignalResult.fired's 0.5
    assert policy.rules[0].then.priority is Priority.URGENT
    assert policy.rules[1].then.reasons == [Reason.EXPLICIT_REQUEST]


def test_default_policy_is_clean() -> None:
    path = Path(str(files("relaydesk.escalation").joinpath("default_policy.yaml")))
    assert check_policy_file(path) == []


# --- syntax and shape -----------------------------------------------------------------


def test_yaml_syntax_error_names_its_line() -> None:
    text = VALID.replace(
        "then: {handover: true, reasons: [explicit_request]}",
        "then: {handover: true, reasons: [explicit_request}",
    )
    errors = errors_of(text)
    assert len(errors) == 1
    assert errors[0].startswith(f"<string>:{line_with(VALID, 'reasons: [explicit_request]')}:")
    assert "YAML syntax error" in errors[0]


def test_bad_indentation_is_a_syntax_error() -> None:
    text = VALID.replace("    when: {signal: urgency}", "   when: {signal: urgency}")
    [error] = errors_of(text)
    assert "YAML syntax error" in error
    assert error.startswith(f"<string>:{line_with(text, '   when: {signal: urgency}')}:")


def test_a_document_that_is_not_a_mapping() -> None:
    assert errors_of("- just\n- a list\n") == [
        "<string>:1: a policy is a mapping with version, teams, rules, ..."
    ]


def test_unknown_top_level_key() -> None:
    text = VALID.replace("default_team: general\n", "default_team: general\ncolour: blue\n")
    assert_error(text, "colour: blue", "colour", "unknown key")


def test_unknown_key_in_a_rule() -> None:
    text = VALID.replace(
        "    when: {signal: explicit_request}", "    whenever: {signal: explicit_request}"
    )
    assert_error(text, "whenever:", "rules[1].whenever", "unknown key")


def test_unknown_key_in_a_condition() -> None:
    text = VALID.replace("when: {signal: urgency}", "when: {signal: urgency, above: 0.3}")
    assert_error(text, "above: 0.3", "rules[0].when.above", "unknown key")


def test_missing_required_key() -> None:
    text = VALID.replace("    then: {handover: false}\n", "")
    assert_error(text, "- id: continue", "rules[2].then", "required key missing")


def test_key_given_twice() -> None:
    text = VALID.replace(
        "default_team: general\n", "default_team: general\ndefault_team: billing\n"
    )
    assert_error(text, "default_team: billing", "default_team", "key given twice")


# --- names: signals, reasons, intents, teams ------------------------------------------


def test_unknown_signal_in_a_condition() -> None:
    text = VALID.replace("when: {signal: urgency}", "when: {signal: urgncy}")
    assert_error(text, "signal: urgncy", "rules[0].when.signal", "unknown signal 'urgncy'")


def test_unknown_signal_in_thresholds() -> None:
    text = VALID.replace("  frustration: {threshold: 0.6}", "  anger: {threshold: 0.6}")
    assert_error(text, "anger:", "signals.anger", "unknown signal 'anger'")


def test_unknown_reason_code() -> None:
    text = VALID.replace("reasons: [explicit_request]", "reasons: [explicit_request, angry]")
    assert_error(text, "angry", "rules[1].then.reasons[1]", "'explicit_request'", "(got 'angry')")


def test_unknown_intent() -> None:
    text = VALID.replace("when: {signal: explicit_request}", "when: {intent: [delivery_lsot]}")
    assert_error(text, "delivery_lsot", "rules[1].when.intent[0]", "unknown intent 'delivery_lsot'")


def test_unknown_situation() -> None:
    text = VALID.replace("when: {signal: explicit_request}", "when: {situation: [parcel_lost]}")
    assert_error(text, "parcel_lost", "unknown situation 'parcel_lost'")


def test_unknown_team_in_a_rule() -> None:
    text = VALID.replace(
        "reasons: [urgent], priority: urgent}", "reasons: [urgent], priority: urgent, team: fraud}"
    )
    assert_error(text, "team: fraud", "rules[0].then.team", "unknown team 'fraud'")


def test_unknown_team_in_topics_to_teams() -> None:
    text = VALID.replace("payment: billing}", "payment: finance}")
    assert_error(text, "payment: finance", "topics_to_teams.payment", "unknown team 'finance'")


def test_default_team_must_be_a_team() -> None:
    text = VALID.replace("default_team: general", "default_team: everyone")
    assert_error(text, "default_team: everyone", "unknown team 'everyone'")


def test_unknown_channel() -> None:
    text = VALID.replace("  email:", "  fax:")
    assert_error(text, "  fax:", "channels.fax")


# --- types ----------------------------------------------------------------------------


def test_priority_must_be_a_priority() -> None:
    text = VALID.replace("priority: urgent}", "priority: asap}")
    assert_error(text, "priority: asap", "rules[0].then.priority", "'urgent'", "(got 'asap')")


def test_threshold_must_be_a_number() -> None:
    text = VALID.replace("{threshold: 0.6}", "{threshold: high}")
    assert_error(
        text, "threshold: high", "signals.frustration.threshold", "valid number", "(got 'high')"
    )


def test_threshold_is_not_coerced_from_a_string() -> None:
    text = VALID.replace("{threshold: 0.6}", '{threshold: "0.6"}')
    assert_error(text, "threshold:", "signals.frustration.threshold", "valid number")


def test_threshold_above_one_can_never_be_reached() -> None:
    text = VALID.replace("{threshold: 0.6}", "{threshold: 1.5}")
    assert_error(text, "threshold: 1.5", "less than or equal to 1")


def test_handover_must_be_a_boolean() -> None:
    text = VALID.replace("then: {handover: false}", 'then: {handover: "no"}')
    assert_error(text, 'handover: "no"', "rules[2].then.handover", "valid boolean")


def test_version_must_be_a_string() -> None:
    text = VALID.replace('version: "test-1"', "version: 1.2")
    assert_error(text, "version: 1.2", "version", "valid string")


def test_conditions_take_lists() -> None:
    text = VALID.replace("when: {outcome: [not_understood]}", "when: {outcome: not_understood}")
    assert_error(
        text, "outcome: not_understood", "channels.email.rules[0].when.outcome", "valid list"
    )


def test_handover_without_reasons() -> None:
    text = VALID.replace("reasons: [explicit_request]", "reasons: []")
    assert_error(text, "reasons: []", "rules[1].then", "at least one reason")


def test_keeping_the_bot_takes_no_reasons() -> None:
    text = VALID.replace("then: {handover: false}", "then: {handover: false, reasons: [loop]}")
    assert_error(text, "reasons: [loop]", "rules[2].then", "takes no reasons")


def test_rule_ids_are_unique() -> None:
    text = VALID.replace("- id: asked", "- id: urgent")
    errors = errors_of(text)
    assert errors == ["<string>:11: rules[1].id: rule id 'urgent' used twice"]


# --- rules that can never fire --------------------------------------------------------


def test_rule_after_an_unconditional_stop_is_shadowed() -> None:
    text = VALID.replace(
        "  - id: urgent\n",
        "  - id: quiet\n    then: {handover: false}\n  - id: urgent\n",
    )
    assert_error(
        text,
        "- id: urgent",
        "rule 'urgent' can never fire",
        "rule 'quiet' before it always applies",
    )


def test_a_stop_whose_condition_always_holds_also_shadows() -> None:
    text = VALID.replace(
        "  - id: urgent\n",
        "  - id: quiet\n    when: {turn: {at_least: 1}}\n"
        "    then: {handover: false}\n  - id: urgent\n",
    )
    assert_error(text, "- id: urgent", "can never fire", "'quiet'")


def test_at_least_above_one() -> None:
    text = VALID.replace("when: {signal: urgency}", "when: {signal: urgency, at_least: 1.5}")
    assert_error(text, "at_least: 1.5", "rules[0].when.at_least", "can never fire", "above 1")


def test_empty_intent_list() -> None:
    text = VALID.replace("when: {signal: explicit_request}", "when: {intent: []}")
    assert_error(
        text, "intent: []", "rules[1].when.intent", "rule 'asked' can never fire", "matches nothing"
    )


def test_contradictory_conditions() -> None:
    text = VALID.replace(
        "    when: {signal: explicit_request}\n",
        "    when:\n      all:\n        - tier: [vip]\n        - not: {tier: [vip]}\n",
    )
    line = line_with(text, "- id: asked") + 1  # the `when:` line
    errors = errors_of(text)
    assert (
        f"<string>:{line}: rules[1].when: rule 'asked' can never fire:"
        " its conditions contradict each other" in errors
    )


def test_disjoint_intents_in_all() -> None:
    text = VALID.replace(
        "when: {signal: explicit_request}",
        "when: {all: [{intent: [thanks]}, {intent: [greeting]}]}",
    )
    assert_error(text, "all: [{intent: [thanks]}", "contradict each other")


def test_turn_range_upside_down() -> None:
    text = VALID.replace(
        "when: {signal: explicit_request}", "when: {turn: {at_least: 3, at_most: 2}}"
    )
    assert_error(text, "at_least: 3", "rules[1].when.turn", "at_least 3 > at_most 2")


def test_previous_turn_on_the_first_turn() -> None:
    text = VALID.replace(
        "when: {signal: explicit_request}",
        "when: {previous_outcome: [answered], turn: {at_most: 1}}",
    )
    assert_error(text, "previous_outcome: [answered]", "contradict each other")


def test_channel_rule_for_another_channel() -> None:
    text = VALID.replace(
        "when: {outcome: [not_understood]}", "when: {outcome: [not_understood], channel: [sms]}"
    )
    assert_error(text, "channel: [sms]", "rule 'one-failure' can never fire on email")


def test_channel_stop_rule_that_hides_all_base_rules() -> None:
    text = VALID.replace(
        "        when: {outcome: [not_understood]}\n"
        "        then: {handover: true, reasons: [bot_failure]}",
        "        then: {handover: false}",
    )
    assert_error(text, "- id: one-failure", "always applies on email", "no base rule can ever fire")


def test_every_mistake_is_reported_at_once() -> None:
    text = VALID.replace("priority: urgent}", "priority: asap}").replace(
        "{threshold: 0.6}", "{threshold: high}"
    )
    errors = errors_of(text)
    assert len(errors) == 2
    assert errors[0].startswith("<string>:5:")  # in file order
    assert errors[1].startswith("<string>:10:")


# --- files ----------------------------------------------------------------------------


def test_check_policy_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(VALID.replace("priority: urgent}", "priority: asap}"))
    [error] = check_policy_file(path)
    assert error.startswith(f"{path}:10: rules[0].then.priority: ")


def test_check_policy_file_on_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(VALID)
    assert check_policy_file(path) == []
    assert check_policy_file(str(path)) == []


def test_load_policy_from_a_path_string(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(VALID)
    assert load_policy(str(path)).version == "test-1"


def test_missing_file(tmp_path: Path) -> None:
    [error] = check_policy_file(tmp_path / "nope.yaml")
    assert error.startswith(f"{tmp_path / 'nope.yaml'}: cannot read:")


def test_a_one_line_string_is_a_path_whatever_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "relaydesk-policy"
    path.write_text(VALID)
    assert load_policy(str(path)).version == "test-1"
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(str(tmp_path / "typo-in-the-name"))
