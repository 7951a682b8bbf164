"""The matches of spaCy's attribute ruler, found by looking tokens up instead of trying
every pattern on every token.

en_core_web_sm's attribute ruler maps tags to parts of speech with 179 one- or two-token
patterns. spaCy's Matcher tries each of them at each token, which took about a sixth of the
parse. These patterns only compare a token's tag, lower-case form, dependency label and
whether it is a space, so most can be found by the token's tag or lower-case form: the same
matches, several times faster. The ruler still sets the attributes itself, in its own order.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.strings import StringStore
from spacy.tokens import Doc

# the token attributes the patterns may compare, in the order of Doc.to_array's columns
_COLUMNS = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}
_INDEXED = ("TAG", "LOWER", "IS_SPACE", "DEP")  # what to look a pattern up by, best first
# (column, operator, value): a value is a string's hash, a set of hashes, a regex or a bool
Predicate = list[tuple[int, str, Any]]
Pattern = tuple[int, list[Predicate]]  # (match id, one predicate per token)


class _IndexedMatcher:
    """A stand-in for the ruler's Matcher: called as the ruler calls it, and giving back its
    patterns (`get`) as the Matcher would, for saving the pipeline."""

    def __init__(self, matcher: Any, patterns: list[Pattern]) -> None:
        self.matcher = matcher
        self.by_key: dict[tuple[int, object], list[Pattern]] = {}
        self.always: list[Pattern] = []
        for pattern in patterns:
            first = pattern[1][0]
            keys = next(
                (
                    [(column, v) for v in (value if op == "IN" else [value])]
                    for name in _INDEXED
                    for column, op, value in first
                    if column == _COLUMNS[name] and op in ("==", "IN")
                ),
                None,
            )
            if keys is None:
                self.always.append(pattern)
            for key in keys or ():
                self.by_key.setdefault(key, []).append(pattern)

    def get(self, key: str) -> Any:
        return self.matcher.get(key)

    def __call__(self, doc: Doc, **_: object) -> list[tuple[int, int, int]]:
        rows = doc.to_array([TAG, LOWER, DEP, IS_SPACE]).tolist()
        strings = doc.vocab.strings
        found = []
        n = len(rows)
        for i, row in enumerate(rows):
            for column in range(4):
                for match_id, tokens in self.by_key.get((column, row[column]), ()):
                    if i + len(tokens) <= n and all(
                        _holds(p, rows[i + k], strings) for k, p in enumerate(tokens)
                    ):
                        found.append((match_id, i, i + len(tokens)))
            for match_id, tokens in self.always:
                if i + len(tokens) <= n and all(
                    _holds(p, rows[i + k], strings) for k, p in enumerate(tokens)
                ):
                    found.append((match_id, i, i + len(tokens)))
        return found


def _holds(predicate: Predicate, row: list[int], strings: StringStore) -> bool:
    for column, op, value in predicate:
        actual = row[column]
        if op == "==":
            ok = actual == value
        elif op == "IN":
            ok = actual in value
        elif op == "NOT_IN":
            ok = actual not in value
        else:
            ok = value.search(strings[actual]) is not None
        if not ok:
            return False
    return True


def _compile(token: dict[str, Any], strings: StringStore) -> Predicate:
    """One token's pattern as (column, operator, value); ValueError if this module cannot
    match it exactly as spaCy's Matcher does."""
    out: Predicate = []
    for name, value in token.items():
        if name not in _COLUMNS:
            raise ValueError(name)
        column = _COLUMNS[name]
        if isinstance(value, dict):
            if len(value) != 1:
                raise ValueError(value)
            op, arg = next(iter(value.items()))
            if op in ("IN", "NOT_IN") and name != "IS_SPACE":
                out.append((column, op, {strings.as_int(a) for a in arg}))
            elif op == "REGEX" and name != "IS_SPACE":
                out.append((column, op, re.compile(arg)))
            else:
                raise ValueError(value)
        elif isinstance(value, bool) and name == "IS_SPACE":
            out.append((column, "==", int(value)))
        elif isinstance(value, str) and name != "IS_SPACE":
            out.append((column, "==", strings.as_int(value)))
        else:
            raise ValueError(value)
    return out


def index_attribute_ruler(pipeline: Language) -> bool:
    """Give the pipeline's attribute ruler the indexed matcher; False (and nothing changed)
    when a pattern uses something that only spaCy's Matcher can match."""
    if "attribute_ruler" not in pipeline.pipe_names:
        return False
    ruler = pipeline.get_pipe("attribute_ruler")
    if not isinstance(ruler, AttributeRuler):
        return False
    strings = pipeline.vocab.strings
    patterns: list[Pattern] = []
    try:
        for i in range(len(ruler.attrs)):
            match_id = strings.as_int(str(i))
            for pattern in ruler.matcher.get(str(i))[1]:
                patterns.append((match_id, [_compile(token, strings) for token in pattern]))
    except (ValueError, TypeError, KeyError, re.error):
        return False
    ruler.matcher = _IndexedMatcher(ruler.matcher, patterns)
    return True
