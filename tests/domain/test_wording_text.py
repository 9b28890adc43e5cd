import pytest

from relaydesk.domain.wording.text import (
    Vocabulary,
    clauses,
    content_before,
    within_one_edit,
    words,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("human", "human"),
        ("humna", "human"),  # swap of neighbours
        ("agnet", "agent"),
        ("reprsentative", "representative"),  # deletion
        ("representatives", "representative"),  # insertion
        ("humen", "human"),  # substitution
    ],
)
def test_one_edit_apart(a: str, b: str) -> None:
    assert within_one_edit(a, b)
    assert within_one_edit(b, a)


@pytest.mark.parametrize(("a", "b"), [("hmnau", "human"), ("agenda", "agents"), ("abc", "abcde")])
def test_more_than_one_edit_apart(a: str, b: str) -> None:
    assert not within_one_edit(a, b)


def test_words_drop_apostrophes_and_case() -> None:
    assert words("I DON'T need it, isn’t it?") == ("i", "dont", "need", "it", "isnt", "it")


def test_clauses_split_at_punctuation_and_but() -> None:
    assert clauses("No, I need a human but not now. ok") == (
        ("no",),
        ("i", "need", "a", "human"),
        ("not", "now"),
        ("ok",),
    )


def test_content_before_skips_stopwords() -> None:
    tokens = words("I don't want to talk to a human")
    assert content_before(tokens, tokens.index("human"), 3) == ["dont", "want", "talk"]


def test_vocabulary_finds_phrases_with_typos_in_long_words_only() -> None:
    vocab = Vocabulary(["real person", "cs"], fuzzy_min_len=5)
    assert vocab.find(words("a reel person please")) == []  # "reel" is too short to be fuzzy
    assert vocab.find(words("a real persno please"))[0].evidence == "real persno (~real person)"
    assert vocab.find(words("cs")) and not vocab.find(words("cx"))


def test_vocabulary_keeps_real_words_apart_from_typos() -> None:
    vocab = Vocabulary(["person"], fuzzy_min_len=5, not_typos=["persen"])
    assert vocab.find(words("diskon 50 persen")) == []
    assert vocab.find(words("a persn"))


def test_longer_phrase_wins_over_the_words_inside_it() -> None:
    vocab = Vocabulary(["agent", "live agent"])
    assert [h.phrase for h in vocab.find(words("live agent now"))] == ["live agent"]
