"""The classifier's training examples: YAML files a support team extends.

One file a language (`data/intents/en.yaml`, `id.yaml`):

    language: en
    intents:
      order_status:
        - where is my order
        - ...

Mistakes are reported with the file and line (an unknown intent, an empty example), so a
typo in a file someone edited by hand fails at start-up, not as a silently worse model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

import yaml

from relaydesk.bot.intents import TRAINABLE_LABELS

LANGUAGES = ("en", "id")


class IntentDataError(ValueError):
    """A training file is not in the expected shape; the message names file and line."""


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    lang: str


@dataclass(frozen=True)
class TrainingSet:
    examples: tuple[Example, ...]
    digest: str  # sha256 over the files' names and bytes: the key of the trained-model cache

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]

    @property
    def intents(self) -> list[str]:
        return [e.intent for e in self.examples]


def default_files() -> tuple[Traversable, ...]:
    folder = files("relaydesk.bot").joinpath("data", "intents")
    return tuple(sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=_name))


def load_training_set(sources: Iterable[Traversable] | None = None) -> TrainingSet:
    """Read and check every file; examples keep file order, duplicates are dropped."""
    digest = hashlib.sha256()
    examples: dict[tuple[str, str], Example] = {}
    for source in sources if sources is not None else default_files():
        raw = source.read_bytes()
        digest.update(source.name.encode() + b"\0" + raw + b"\0")
        for example in parse_file(raw.decode("utf-8"), source.name):
            examples.setdefault((example.text.lower(), example.intent), example)
    if not examples:
        raise IntentDataError("no training examples found")
    return TrainingSet(tuple(examples.values()), digest.hexdigest())


def parse_file(text: str, name: str) -> list[Example]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise IntentDataError(f"{name}: not valid YAML: {exc}") from exc
    top = {key: value for key, (_, value) in _mapping(root, name, "the file").items()}
    lang = _scalar(top.get("language"), name, "language")
    if lang not in LANGUAGES:
        raise IntentDataError(f"{name}: language must be one of {LANGUAGES}, not {lang!r}")
    examples = []
    for intent, (key, node) in _mapping(top.get("intents"), name, "intents").items():
        if intent not in TRAINABLE_LABELS:
            raise IntentDataError(f"{name}:{_line(key)}: unknown intent {intent!r}")
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise IntentDataError(f"{name}:{_line(node)}: {intent} needs a list of examples")
        for item in node.value:
            utterance = _scalar(item, name, f"an example of {intent}").strip()
            if not utterance:
                raise IntentDataError(f"{name}:{_line(item)}: empty example under {intent}")
            examples.append(Example(utterance, intent, lang))
    return examples


def _mapping(
    node: yaml.Node | None, name: str, what: str
) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """Key text -> (key node, value node): the key node knows the line to blame."""
    if not isinstance(node, yaml.MappingNode):
        raise IntentDataError(f"{name}:{_line(node)}: {what} must be a mapping")
    return {_scalar(key, name, "a key"): (key, value) for key, value in node.value}


def _scalar(node: yaml.Node | None, name: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise IntentDataError(f"{name}:{_line(node)}: {what} must be text")
    return str(node.value)


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _name(source: Traversable) -> str:
    return source.name
