"""classify: cut each article into placeable units and put each on a topic page.

Units follow the article's structure and size (`units`, with kb.importer.clean.splits):
a section is one unit with all its subsections, kept together and in order, unless it is
an outline level (its subsections are parts, chapters or `x.y` sections the author
numbered as separate entries) or larger than MAX_UNIT_LINES; then its own text is a unit
and each subsection is cut the same way. An override `unit: true` keeps a section whole.

Placement learns from what is already placed. The articles an editor has reviewed
(`reviewed:` in the editorial file) are the labelled examples: each of their units is on
the topic its heading keywords give (or its override names), as before. From those units
a nearest-centroid model over jieba TF-IDF words is trained (scikit-learn), and every
other article's unit goes to the topic that the keyword prior and the model agree on best
(`decide`). Each placement has a score, a margin over the runner-up and the words that
decided; below MARGIN_MIN it is uncertain and the import report shows the two best topics.
A unit that matches no keyword and shares no word with any placed section is put on the
first topic and the editor is told so (never silently).
"""
from __future__ import annotations

import fnmatch
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from kb.core import cache as kbcache
from kb.core.model import Article, Editorial, KnowledgeBase, Section, Topic, Unit
from kb.core.segment import Segmenter, Segmenters
from kb.importer.clean import outline, splits

HEADING_WEIGHT = 10.0
ANCESTOR_WEIGHT = 3.0
TEXT_WEIGHT = 1.0
TEXT_HITS_CAP = 3

# The learnt model: words of a unit's heading count HEADING_REPEAT times, those of the
# headings above it once, and its text (the first TEXT_CAP characters) once.
HEADING_REPEAT = 3
TEXT_CAP = 3000
# The keyword prior and the model's similarity, each scaled to 1 for the best topic, are
# mixed half and half: the keywords are a prior, not the whole rule.
PRIOR_WEIGHT = 0.5
# Below this margin of the best mixed score over the runner-up a placement is uncertain.
# Chosen on the leave-one-article-out run of the five articles (never on the real-world
# corpus): units with a margin under 0.15 agreed with the editor's placement for 25-48 %
# of their sections, units above it for 80-100 %; with 0.15, 53 of 181 units are flagged.
MARGIN_MIN = 0.15
EXPLAIN_WORDS = 3

_WORD = re.compile(r"^(?:[\u4e00-\u9fff]{2,}|[A-Za-z][A-Za-z0-9+#./-]*)$")
# Glossary terms and entity names are single words, added to the segmenter with one fixed
# frequency, to a fresh copy of jieba's dictionary (kb.segment): jieba.add_word on the shared
# tokenizer changes the dictionary's totals, so a second import in one process would
# segment differently.
WORD_FREQ = 100_000
_MODEL_FORMAT = 1


def classify(kb: KnowledgeBase, segmenters: Segmenters | None = None, cache: kbcache.Cache | None = None) -> KnowledgeBase:
    """Every article cut into units, each unit on its topic (KnowledgeBase.units)."""
    place_articles(kb, segmenters, cache)
    return kb


def place_articles(kb: KnowledgeBase, segmenters: Segmenters | None = None, cache: kbcache.Cache | None = None,
                   earlier: Placed | None = None, similarities: Similarities | None = None) -> Placed:
    """classify, returning what was placed. `earlier`: units an earlier run placed (kb
    serve keeps them for the articles an edit did not change; see place_all);
    `similarities`: kb serve's Similarities."""
    placed = place_all(kb, segmenters, cache, earlier, similarities)
    kb.units = [u for article in kb.articles for u in placed.units[article.path]]
    for unit in kb.units:
        if unit.fallback:
            kb.tell(unit.article.shown, unit.section.start, "placement",
                    f"'{unit.section.heading}' matches no topic keyword and shares no word with any placed "
                    f"section: put on {unit.topic.key} for want of a better place; move it with an override",
                    severity="info")
    return placed


@dataclass
class Placed:
    """What classify placed: each article's units, and the key of the model that placed
    the articles nobody reviewed. `kb serve` keeps it for its next import."""

    model: str                                           # Model.key ('' : no model)
    units: dict[str, list[Unit]] = field(default_factory=dict)   # article path -> its units, in source order


def place_all(kb: KnowledgeBase, segmenters: Segmenters | None = None, cache: kbcache.Cache | None = None,
              earlier: Placed | None = None, similarities: Similarities | None = None) -> Placed:
    """Each article's units on their topics. An article in `earlier` (its text unchanged
    since) keeps its units: a reviewed article's placement depends on its own text alone,
    another's also on the model, so those are kept only under the same model."""
    cache = cache or kbcache.Cache(None)
    segmenters = segmenters or Segmenters(cache)
    editorial = kb.editorial
    seg = segmenter(segmenters, editorial)
    kept = earlier.units if earlier is not None else {}
    # The reviewed articles' placements: as the editor accepted them, and the labels.
    by_keywords = _keyword_decisions(cache, editorial)
    reviewed = {a.path: kept[a.path] if a.path in kept else place_by_keywords(units(a), editorial, by_keywords)
                for a in kb.articles if is_reviewed(a, editorial)}
    examples = [u for placed in reviewed.values() for u in placed]
    # Only articles nobody reviewed need the model.
    model = train(examples, editorial, seg, cache) if len(reviewed) < len(kb.articles) else EMPTY_MODEL
    same_model = earlier is not None and earlier.model == model.key
    decisions = _decisions(cache, model, editorial)
    out = Placed(model.key)
    for article in kb.articles:
        if article.path in reviewed:
            out.units[article.path] = reviewed[article.path]
        elif same_model and article.path in kept:
            out.units[article.path] = kept[article.path]
        else:
            out.units[article.path] = place(units(article), editorial, model, seg, decisions=decisions,
                                            similarities=similarities)
    return out


def is_reviewed(article: Article, editorial: Editorial) -> bool:
    return any(fnmatch.fnmatch(article.path, pattern) for pattern in editorial.reviewed)


def leave_one_out(kb: KnowledgeBase, held_out: Article, segmenters: Segmenters | None = None) -> list[Unit]:
    """`held_out`'s units placed by a model trained on every other article's placements in
    kb (overrides included) and without its own overrides (kb bench classify, tests)."""
    segmenters = segmenters or Segmenters(kbcache.Cache(None))
    editorial = kb.editorial
    seg = segmenter(segmenters, editorial)
    examples = [u for u in kb.units if u.article is not held_out]
    model = train(examples, editorial, seg, kbcache.Cache(None))
    return place(units(held_out), editorial, model, seg, overrides=False)


# --------------------------------------------------------------------------- units

def units(article: Article) -> list[Unit]:
    """The article's placeable units, in source order."""
    out: list[Unit] = []

    def visit(section: Section) -> None:
        if section.dropped:
            for child in section.children:
                visit(child)
            return
        if not splits(article, section):
            out.append(Unit(article, section))
            return
        out.append(Unit(article, section, own_only=True))
        for child in section.children:
            visit(child)

    visit(article.root)
    return out


def unit_text(unit: Unit) -> str:
    """The text of the unit's sections that are not dropped."""
    article = unit.article
    parts = []
    for section in unit.sections():
        if not section.dropped:
            parts.extend(article.text(section.start, section.end))
    return "\n".join(parts)


def _ancestors(section: Section) -> str:
    return " ".join(a.heading for a in section.ancestors() if a.kind != "title")


def _in_appendix(section: Section) -> bool:
    # What an article files under its appendix stays in the appendix chapter.
    return any(s.kind == "appendix" for s in (section, *section.ancestors()))


# --------------------------------------------------------------------------- keyword prior

def _hits(text: str, keyword: str) -> int:
    return text.count(keyword)


def score(topic: Topic, heading: str, ancestors: str, text: str) -> float:
    return _score(topic.keywords, heading, ancestors, text)


def _score(keywords, heading: str, ancestors: str, text: str) -> float:
    total = 0.0
    for kw in keywords:
        weight = len(kw)
        total += HEADING_WEIGHT * weight * min(_hits(heading, kw), 1)
        total += ANCESTOR_WEIGHT * weight * min(_hits(ancestors, kw), 1)
        total += TEXT_WEIGHT * weight * min(_hits(text, kw), TEXT_HITS_CAP)
    return total


# `kb serve` imports again on every edit; the units of the other articles score the same.
@functools.lru_cache(maxsize=2048)
def _scores(keywords: tuple[tuple[str, ...], ...], heading: str, ancestors: str, text: str) -> tuple[float, ...]:
    return tuple(_score(kws, heading, ancestors, text) for kws in keywords)


def _matched(topic: Topic, unit: Unit) -> list[str]:
    """The topic's keywords found in the unit's heading, the headings above it or its text."""
    where = (unit.section.heading, _ancestors(unit.section), unit_text(unit))
    return [kw for kw in sorted(topic.keywords, key=lambda k: (-len(k), k)) if any(kw in w for w in where)]


def _candidates(unit: Unit, editorial: Editorial) -> list[Topic]:
    topics = editorial.topics()
    return [t for t in topics if t.chapter == "appendix"] if _in_appendix(unit.section) else topics


def _keyword_scores(unit: Unit, topics: list[Topic]) -> tuple[float, ...]:
    return _scores(tuple(tuple(t.keywords) for t in topics), unit.section.heading,
                   _ancestors(unit.section), unit_text(unit))


def place_by_keywords(unit_list: list[Unit], editorial: Editorial, decisions: kbcache.Memo | None = None) -> list[Unit]:
    """A reviewed article's units: on the topic its override names, else on the topic
    whose keywords score best (the placement the editor reviewed). `decisions`: what this
    made of each unit before (_keyword_decisions), so an unchanged unit is not scored again."""
    for unit in unit_list:
        section = unit.section
        if section.override is not None and section.override.topic:
            unit.topic = editorial.topic(section.override.topic)
            unit.overridden = True
            unit.why = "editorial override"
            continue
        topics = _candidates(unit, editorial)
        key = _unit_key(unit, topics)
        if not _recall(unit, topics, decisions, key):
            _by_keywords(unit, topics)
            _remember(unit, decisions, key)
    return unit_list


def _by_keywords(unit: Unit, topics: list[Topic]) -> Unit:
    scores = _keyword_scores(unit, topics)
    ranked = sorted(range(len(topics)), key=lambda i: (-scores[i], i))
    best, second = ranked[0], ranked[1] if len(ranked) > 1 else ranked[0]
    unit.topic, unit.runner_up = topics[best], topics[second]
    unit.score = scores[best]
    unit.margin = (scores[best] - scores[second]) / scores[best] if scores[best] > 0 else 0.0
    unit.fallback = scores[best] <= 0
    unit.uncertain = unit.fallback
    unit.why = ("keywords: " + "、".join(_matched(topics[best], unit)[:EXPLAIN_WORDS])
                if not unit.fallback else "nothing matched")
    return unit


def _keyword_decisions(cache: kbcache.Cache, editorial: Editorial) -> kbcache.Memo:
    """What place_by_keywords made of each unit, under these keywords and this code."""
    return cache.memo("classify-keywords", [(t.key, t.keywords) for t in editorial.topics()],
                      kbcache.source_digest(__file__))


def _recall(unit: Unit, topics: list[Topic], decisions: kbcache.Memo | None, key: str) -> bool:
    """The unit as `decisions` holds it under `key` (its _DECIDED fields); False when it holds nothing."""
    known = decisions.get(key) if decisions is not None else None
    if known is None:
        return False
    by_key = {t.key: t for t in topics}
    for name, value in zip(_DECIDED, known):
        setattr(unit, name, by_key[value] if name in ("topic", "runner_up") else value)
    return True


def _remember(unit: Unit, decisions: kbcache.Memo | None, key: str) -> None:
    if decisions is not None:
        decisions.put(key, [getattr(unit, name).key if name in ("topic", "runner_up") else getattr(unit, name)
                            for name in _DECIDED])


# --------------------------------------------------------------------------- the learnt model

def segmenter(segmenters: Segmenters, editorial: Editorial) -> Segmenter:
    """The segmenter of the learnt model and of related sections (kb.importer.link), with
    the glossary and entity names as words. Both read the same text (a unit's first
    TEXT_CAP characters): one tokenizer and one memo of cuts, so placing a unit costs no
    second jieba pass."""
    words = [n for t in editorial.glossary for n in t.names] + [n for e in editorial.entities for n in e.names]
    return segmenters.get("related", words=words, word_freq=WORD_FREQ, hmm=False)


def features(unit: Unit, seg: Segmenter, stop: frozenset[str]) -> list[str]:
    """The unit's words: its heading's HEADING_REPEAT times, the headings above it, its text."""

    def words(text: str) -> list[str]:
        return [w for w in seg.cut(text) if _WORD.match(w) and w not in stop]

    heading = words(unit.section.heading)
    return heading * HEADING_REPEAT + words(_ancestors(unit.section)) + words(unit_text(unit)[:TEXT_CAP])


@dataclass(frozen=True)
class Model:
    """Nearest centroids over TF-IDF words, as plain data: placing a unit needs no scikit-learn."""

    idf: dict[str, float]                          # word -> inverse document frequency
    centroids: dict[str, dict[str, float]]         # topic key -> its unit-length centroid
    key: str = ""                                  # a digest of the labelled examples it was learnt from
    # word -> (topic key, centroid weight) for every topic whose centroid has the word
    postings: dict[str, list[tuple[str, float]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        index: dict[str, list[tuple[str, float]]] = {}
        for topic in sorted(self.centroids):
            for w, weight in self.centroids[topic].items():
                index.setdefault(w, []).append((topic, weight))
        object.__setattr__(self, "postings", index)

    def vector(self, words: list[str]) -> dict[str, float]:
        counts = Counter(w for w in words if w in self.idf)
        vec = {w: (1 + math.log(c)) * self.idf[w] for w, c in counts.items()}
        norm = math.sqrt(math.fsum(v * v for v in vec.values())) or 1.0
        return {w: v / norm for w, v in vec.items()}

    def similarities(self, vec: dict[str, float], topics: list[str]) -> list[float]:
        """The cosine of the unit's vector with each topic's centroid (0 for a topic with
        no placed section), through the words' postings: only the topics that share a word."""
        # Summed in a fixed order (the unit's words as they come, topics sorted): the same
        # unit gives the same figures on every run.
        totals: dict[str, float] = {}
        get = totals.get
        for w, v in vec.items():
            for topic, weight in self.postings.get(w, ()):
                totals[topic] = get(topic, 0.0) + v * weight
        return [totals.get(t, 0.0) for t in topics]

    def similarity(self, vec: dict[str, float], topic: str) -> float:
        """similarities for one topic: the same sum, in the same order."""
        total = 0.0
        centroid = self.centroids.get(topic, {})
        for w, v in vec.items():
            weight = centroid.get(w)
            if weight is not None:
                total = total + v * weight
        return total

    def explain(self, vec: dict[str, float], topic: str) -> list[str]:
        centroid = self.centroids.get(topic, {})
        weights = {w: v * centroid[w] for w, v in vec.items() if w in centroid}
        return sorted(weights, key=lambda w: (-weights[w], w))[:EXPLAIN_WORDS]


EMPTY_MODEL = Model({}, {})


class Similarities:
    """Each unit's vector and its similarity to its candidate topics under the last model,
    kept in memory by kb serve. An edit to a reviewed article changes the model, but
    mostly one centroid and the weight of a few words: a unit none of whose words changed
    weight keeps its vector, and only its similarities to the topics whose centroid
    changed are summed again (Model.similarity: the same figures); any other unit is
    weighed again in full. One memo serves one editorial file (kb serve starts a new one
    when it changes)."""

    def __init__(self) -> None:
        # unit key (as in place) -> (model, the unit's words, its vector, topic key -> similarity)
        self._units: dict[str, tuple[Model, frozenset[str], dict[str, float], dict[str, float]]] = {}
        self._changes: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {}
        # id(section) -> (the section, own_only, its unit's key): a kept article's sections are
        # the same objects, and their keys need not be digested again. (A unit's candidate
        # topics follow from its section and the editorial file, the same for the memo's life.)
        self._keys: dict[int, tuple[Section, bool, str]] = {}

    def key(self, unit: Unit, topics: list[Topic]) -> str:
        """_unit_key, remembered for the section."""
        kept = self._keys.get(id(unit.section))
        if kept is None or kept[0] is not unit.section or kept[1] != unit.own_only:
            kept = self._keys[id(unit.section)] = (unit.section, unit.own_only, _unit_key(unit, topics))
        return kept[2]

    def of(self, key: str, unit: Unit, model: Model, seg: Segmenter, stop: frozenset[str],
           topics: list[str]) -> tuple[dict[str, float], list[float]]:
        entry = self._units.get(key)
        if entry is not None and entry[0].key != model.key:
            last, words, vec, similar = entry
            weights, centroids = self._changed(last, model)
            if words.isdisjoint(weights):
                similar = {t: model.similarity(vec, t) if t in centroids else s for t, s in similar.items()}
                entry = (model, words, vec, similar)
            else:
                entry = None
        if entry is None:
            found = features(unit, seg, stop)
            vec = model.vector(found)
            entry = (model, frozenset(found), vec, dict(zip(topics, model.similarities(vec, topics))))
        self._units[key] = entry
        return entry[2], [entry[3][t] for t in topics]

    def _changed(self, last: Model, model: Model) -> tuple[frozenset[str], frozenset[str]]:
        """(words whose weight differs, topics whose centroid differs) between two models."""
        pair = (last.key, model.key)
        if pair not in self._changes:
            words = frozenset(w for w in last.idf.keys() | model.idf.keys() if last.idf.get(w) != model.idf.get(w))
            topics = frozenset(t for t in last.centroids.keys() | model.centroids.keys()
                               if last.centroids.get(t) != model.centroids.get(t))
            self._changes = {pair: (words, topics)}
        return self._changes[pair]



def train(examples: list[Unit], editorial: Editorial, seg: Segmenter, cache: kbcache.Cache) -> Model:
    """The model learnt from placed units (their topics are the labels); kept in the run's
    cache under a digest of its training data, so scikit-learn is loaded only when the
    labelled examples change."""
    if len({u.topic.key for u in examples}) < 2:
        return EMPTY_MODEL
    stop = frozenset(editorial.labels.stop_words)
    memo = cache.memo("classify-model", _MODEL_FORMAT, HEADING_REPEAT, TEXT_CAP, sorted(stop), seg.memo.name)
    # Keyed by the examples' text and labels: an unchanged training set is not even cut into words.
    key = kbcache.digest([(u.section.heading, _ancestors(u.section), unit_text(u)[:TEXT_CAP], u.topic.key)
                          for u in examples])
    stored = memo.get(key)
    if stored is None:
        docs = [(features(u, seg, stop), u.topic.key) for u in examples]
        docs = [(words, label) for words, label in docs if words]
        if len({label for _, label in docs}) < 2:
            return EMPTY_MODEL
        stored = _fit(docs)
        memo.put(key, stored)
    return Model(stored["idf"], stored["centroids"], key)


def load_learner() -> None:
    """Import scikit-learn now (kb serve, before the first edit to a reviewed article
    needs a new model: about a second)."""
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.neighbors  # noqa: F401


def _fit(docs: list[tuple[list[str], str]]) -> dict:
    # Imported here: a run whose labelled examples did not change reads the model from the cache.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.neighbors import NearestCentroid

    import warnings

    vectorizer = TfidfVectorizer(analyzer=lambda words: words, token_pattern=None, sublinear_tf=True, norm="l2")
    matrix = vectorizer.fit_transform([words for words, _ in docs])
    labels = [label for _, label in docs]
    with warnings.catch_warnings():
        # Its warning about features with no spread within a class concerns its shrinkage
        # option, which is not used.
        warnings.simplefilter("ignore", UserWarning)
        model = NearestCentroid().fit(matrix, labels)
    vocabulary = vectorizer.get_feature_names_out()
    centroids = {}
    for label, row in zip(model.classes_, model.centroids_):
        present = row.nonzero()[0]
        # fsum is exact: leaving out the zeros of the row gives the same norm, in a tenth of the time.
        norm = math.sqrt(math.fsum(float(v) * float(v) for v in row[present])) or 1.0
        centroids[str(label)] = {str(vocabulary[i]): round(float(row[i]) / norm, 6) for i in present}
    idf = {str(w): round(float(v), 6) for w, v in zip(vocabulary, vectorizer.idf_)}
    return {"idf": idf, "centroids": centroids}


# --------------------------------------------------------------------------- placing

def _decisions(cache: kbcache.Cache, model: Model, editorial: Editorial) -> kbcache.Memo:
    """What `decide` made of each unit, under this model, these keywords and this code: from
    one run to the next most units are the same, and they are not weighed again."""
    return cache.memo("classify-decisions", _MODEL_FORMAT, model.key, [(t.key, t.keywords) for t in editorial.topics()],
                      sorted(editorial.labels.stop_words), kbcache.source_digest(__file__))


_DECIDED = ("topic", "runner_up", "score", "margin", "fallback", "uncertain", "why")


def _unit_key(unit: Unit, topics: list[Topic]) -> str:
    """What decides a unit's placement under one model: its words and its candidate topics."""
    section = unit.section
    return kbcache.digest(section.heading, _ancestors(section), unit_text(unit), [t.key for t in topics])


def place(unit_list: list[Unit], editorial: Editorial, model: Model = EMPTY_MODEL, seg: Segmenter | None = None,
          *, overrides: bool = True, decisions: kbcache.Memo | None = None,
          similarities: Similarities | None = None) -> list[Unit]:
    """Each unit on the topic its override names, else on the topic the keyword prior and
    the model agree on best (`decide`); an uncertain unit of a subtree split for its size
    (not an outline level) follows its parent section's topic (`follow_parent`)."""
    stop = frozenset(editorial.labels.stop_words)
    placed: dict[int, Unit] = {}
    for unit in unit_list:
        placed[id(unit.section)] = unit
        section = unit.section
        if overrides and section.override is not None and section.override.topic:
            unit.topic = editorial.topic(section.override.topic)
            unit.overridden = True
            unit.why = "editorial override"
            continue
        topics = _candidates(unit, editorial)
        key = similarities.key(unit, topics) if similarities is not None else _unit_key(unit, topics)
        recalled = _recall(unit, topics, decisions, key)
        if recalled and similarities is not None and model.idf and seg is not None:
            # Weighed all the same, for the next model (kb serve's first edit to a reviewed article).
            similarities.of(key, unit, model, seg, stop, [t.key for t in topics])
        if not recalled:
            vec, similar = {}, None
            if model.idf and seg is not None:
                if similarities is not None:
                    vec, similar = similarities.of(key, unit, model, seg, stop, [t.key for t in topics])
                else:
                    vec = model.vector(features(unit, seg, stop))
            decide(unit, topics, model, vec, similar)
            _remember(unit, decisions, key)
        parent = placed.get(id(unit.section.parent))
        if unit.uncertain and parent is not None and not outline(parent.section) and parent.topic in topics:
            follow_parent(unit, parent)
    return unit_list


def follow_parent(unit: Unit, parent: Unit) -> Unit:
    """An uncertain unit on its parent section's page: where the words do not decide, the
    structure does, and a child does not land apart from its parent."""
    if unit.topic is not parent.topic:
        unit.runner_up = unit.topic
        unit.topic = parent.topic
    unit.fallback = False
    unit.why = f"follows its parent section '{parent.section.heading}' (the words alone did not decide)"
    return unit


def decide(unit: Unit, topics: list[Topic], model: Model, vec: dict[str, float],
           similar: list[float] | None = None) -> Unit:
    """The unit on the best topic by PRIOR_WEIGHT × keyword score + the rest × similarity
    to the topic's placed sections (each scaled to 1 for its best topic), with its score,
    margin, runner-up and the words that decided."""
    keywords = _keyword_scores(unit, topics)
    if similar is None:
        similar = model.similarities(vec, [t.key for t in topics]) if vec else [0.0] * len(topics)
    top_kw, top_sim = max(keywords), max(similar)
    mixed = [PRIOR_WEIGHT * (k / top_kw if top_kw > 0 else 0.0)
             + (1 - PRIOR_WEIGHT) * (s / top_sim if top_sim > 0 else 0.0)
             for k, s in zip(keywords, similar)]
    ranked = sorted(range(len(topics)), key=lambda i: (-round(mixed[i], 9), i))
    best, second = ranked[0], ranked[1] if len(ranked) > 1 else ranked[0]
    unit.topic, unit.runner_up = topics[best], topics[second]
    unit.score = round(mixed[best], 4)
    unit.margin = round(mixed[best] - mixed[second], 4)
    unit.fallback = top_kw <= 0 and top_sim <= 0
    unit.uncertain = unit.fallback or unit.margin < MARGIN_MIN
    if unit.fallback:
        unit.why = "nothing matched"
        return unit
    parts = []
    if keywords[best] > 0:
        parts.append("keywords: " + "、".join(_matched(topics[best], unit)[:EXPLAIN_WORDS]))
    if similar[best] > 0:
        parts.append("like its placed sections: " + "、".join(model.explain(vec, topics[best].key)))
    unit.why = "; ".join(parts)
    return unit
