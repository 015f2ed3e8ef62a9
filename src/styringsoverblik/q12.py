"""Code Q12 free-text answers (revisitation interval) into the note's six categories.

Q12 of the technical note ("Uddyb det tidslige interval for, hvor ofte der skal
følges op på forskellige sagstyper") is a free-text field per social-service
paragraph; the note says the answers were "udledt på baggrund af kommunernes
egen beskrivelse af det tidslige interval" and scored in six categories
(``CATEGORIES``). This module turns one such description into one category,
deterministically and with the rule that decided, or refuses (category
``None``, rule ``'unresolved:<why>'``). It never guesses.

Public API::

    CATEGORIES                       # the six labels, exactly as printed in the note
    Q12Coding(category, rule, months)
    code_q12(text) -> Q12Coding

Pipeline
--------
1. Normalise: Unicode NFC, case-fold, typographic quotes removed, dashes
   unified to ``-``, whitespace collapsed.
2. A text that *is* one of the six labels (after normalisation, ignoring a
   trailing full stop) maps to itself: rule ``category_label``. ``months`` is
   the interval the label names (6, 12, 24) or ``None`` for the two "Mellem"
   bands and "Efter behov".
3. Refusals that win over everything: empty / punctuation only
   (``unresolved:empty``), "ved ikke", "vides ikke", "ukendt", "?"
   (``unresolved:dont_know``), "ikke relevant", "tilbydes ikke", "ingen
   borgere" (``unresolved:not_applicable``).
4. Mask what looks like a number but is not an interval: paragraph references
   (``§ 108``, ``stk. 2``), calendar years (``2024``) and ages (``under 25 år``,
   ``18-25 år``; any 15 years or more is read as an age, never an interval).
5. Extract interval *candidates* with a small grammar (below), left to right,
   each match masking its span so that later patterns cannot re-read it.
6. Decide (see "Decisions").

Grammar
-------
``QTY`` (a quantity) is one of: digits (``3``), ordinal digits (``3.``),
decimals (``1,5`` / ``1.5``), fractions (``½``, ``1/2``, ``1½``, ``1 og et
halvt``), ``halv/halvt/halve/et halvt``, ``halvanden/halvandet`` and the
Danish cardinal words ``en/et/én … tyve, fireogtyve``. After ``hver/hvert``
the Danish ordinal words are quantities too (``hver anden``, ``hvert
tredje`` …); without ``hver`` they are not, so that "det første år" is not read
as "every year".

``UNIT`` is months (``måned(er|en|s|ers)``, ``mdr``, ``md``, ``mnd``,
``mndr``, ``mån``, with or without a full stop), years (``år``, ``året``,
``års``), weeks (``uge(r|n|s|rs)``), days (``dag(e|en|es)``, ``døgn``),
quarters (``kvartal``) and half years (``halvår``). A week is 12/52 month and a
day 12/365 month, so 26 weeks = 6 months, 52 weeks = 12 months.

Patterns, in the order they are tried:

* count per period -- ``QTY [- QTY] (gang|gange|x|<follow-up noun>)
  [om|pr.|per|i|hver|hvert|i løbet af] [et|en|det] [QTY] (UNIT|årligt|
  halvårligt|kvartalsvis|månedligt|ugentligt)``: "to gange om året",
  "3 gange årligt", "1 x årligt", "en gang hvert halve år", "4 møder om året".
  Interval = period / count. Rule ``per_<period>_count`` (``per_year_count``).
  "et par" and "flere" count as 2 (the least they can mean).
* count with a frequency adjective -- ``QTY (årlige|halvårlige|...)``:
  "2 årlige opfølgninger" = every 6 months. Same rule family.
* interval -- ``[hver|hvert] QTY [(-|til|og|eller|/) [hver] QTY] UNIT``:
  "hver 3. måned", "hvert andet år", "6-12 mdr.", "efter 14 dage". Rule
  ``interval_<unit>`` (``interval_months``, ``interval_years`` …).
* bare ``hver|hvert UNIT``: "hvert år", "hver måned", "hvert kvartal" = 1 unit.
* keywords -- ``kvartalsvis(t/e)`` 3, ``halvårlig(t/e)``/``halvårsvis`` 6,
  ``årlig(t/e)``/``årsbasis`` 12, ``månedlig(t/e)``/``månedsvis`` 1,
  ``ugentlig(t/e)`` 12/52. Rule ``keyword:<stem>`` (``keyword:kvartalsvis``).

Bound and hedge words ("mindst", "minimum", "min.", "senest", "op til",
"ca.", "cirka", "som udgangspunkt", "eller hyppigere", "eller sjældnere") are
not part of the grammar: they do not change the stated interval ("mindst hver
6. måned" is every 6 months).

Banding
-------
Months are rounded to one decimal before banding (this only absorbs
week/day conversion noise, e.g. 183 days = 6.0):
``<= 6`` -> "Hver 6. måned eller hyppigere"; ``6 < m < 12`` -> "Mellem hver
6. måned og årligt"; ``12`` -> "Årligt"; ``12 < m < 24`` -> "Mellem hver 12.
og hver 24. måned"; ``>= 24`` -> "Hvert andet år eller sjældnere".

Decisions (where the issue was silent or left the choice open)
---------------------------------------------------------------
* Ranges ("hver 6.-12. måned", "6-12 mdr.", "mellem 6 og 12 måneder", "1-2
  år", "1-2 gange årligt", "fra 6 mdr. til 1 år", "mellem hver 6. måned og
  årligt"). A range that lies inside the closed span of one of the two
  "Mellem" bands ([6, 12] or [12, 24] months) is coded to that band: the
  band's label *is* that range in words ("Mellem hver 6. måned og årligt"),
  so this is what a human coder picks (rule ``range_band:…``). A range whose
  ends fall in the same category gets that category (``range_same:…``). Any
  other range (e.g. "3-12 mdr.") is coded by its LONGEST interval, the
  follow-up the municipality has committed to at the latest; this never
  credits a frequency that was not promised (``range_longest:…``). For every
  range ``months`` is the longest interval. (The note speaks of "det tidslige
  interval", the *temporal* interval, not an "early" one, so nothing in it asks
  for the shortest end of a range.)
* Alternatives ("hver 3. eller 6. måned", "6/12 mdr.", "efter 6 og 12 mdr.")
  are not ranges: they resolve only when all alternatives fall in the same
  category, otherwise ``unresolved:conflicting_intervals``.
* Several intervals in one text resolve only if they agree on the category
  ("Årligt (hver 12. måned)"); otherwise ``unresolved:conflicting_intervals``
  (e.g. "hver 3. måned eller hvert 2. år", "hver 6. måned for § 85 og årligt
  for § 108"). ``months`` is then the longest of the agreeing intervals.
* Initial follow-up then recurring ("efter 3 mdr. og derefter årligt"): Q12
  asks how often follow-up recurs, so the interval after the last sequence
  word (``derefter``, ``herefter``, ``hvorefter``, ``dernæst``,
  ``efterfølgende``, ``og så``, ``siden hen``) decides; rule prefix
  ``recurring:``. When the sequence word trails its interval ("efter 3 mdr.
  og årligt herefter"), the interval just before it is the recurring one. Likewise an interval introduced by ``første``,
  ``opstart``, ``indledningsvis``, ``i starten`` ("Årlig opfølgning, første
  gang efter 6 mdr.") is an initial one and is ignored when another interval
  remains. If only an initial interval is given ("Første opfølgning efter 3
  mdr.") the text is ``unresolved:only_initial_interval``. If the part
  after the sequence word is "efter behov"/"løbende" ("efter 3 mdr., derefter
  efter behov"), the answer is "Efter behov" (rule ``recurring:as_needed``).
* Fixed interval + as-needed ("Årligt og efter behov", "løbende, mindst en
  gang om året", "ved behov, dog senest efter 2 år"): the fixed interval is the
  commitment and decides.
* "Efter behov" (rule ``as_needed``) needs an explicit marker: efter/ved/når
  ... behov, behovsbestemt, løbende, konkret vurdering, individuel(t),
  ingen/ikke/uden fast(e)/fastsat/fastlagt/systematisk, fra sag til sag,
  afhænger af, varierer, ad hoc, ved ændringer, når ... ændrer sig.
* "Der følges ikke op" / "ingen opfølgning" is not "Efter behov":
  ``unresolved:no_follow_up``.
* A number without a unit ("12", "hver 6.", "hver tredje") is
  ``unresolved:number_without_unit`` even if an as-needed word is present;
  text with nothing recognisable is ``unresolved:no_interval``; a zero
  interval is ``unresolved:zero_interval``.
* "flere gange årligt" / "et par gange om året" = at least twice a year, i.e.
  every 6 months or more often.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["CATEGORIES", "Q12Coding", "code_q12"]

CATEGORIES = (
    "Hver 6. måned eller hyppigere",
    "Mellem hver 6. måned og årligt",
    "Årligt",
    "Mellem hver 12. og hver 24. måned",
    "Hvert andet år eller sjældnere",
    "Efter behov",
)
_LE6, _6TO12, _YEARLY, _12TO24, _GE24, _AS_NEEDED = CATEGORIES

# months named by a label itself (None: the label names a band or no interval)
_LABEL_MONTHS = {_LE6: 6.0, _6TO12: None, _YEARLY: 12.0, _12TO24: None, _GE24: 24.0, _AS_NEEDED: None}


@dataclass(frozen=True)
class Q12Coding:
    category: str | None  # one of CATEGORIES, or None when unresolved
    rule: str  # machine code of the deciding rule, or 'unresolved:<why>'
    months: float | None  # derived interval in months (None for as-needed / unresolved / bands)


# ---------------------------------------------------------------------------
# Vocabulary (data, not code)
# ---------------------------------------------------------------------------

CARDINALS = {
    "en": 1, "et": 1, "én": 1, "ét": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5,
    "seks": 6, "syv": 7, "otte": 8, "ni": 9, "ti": 10, "elleve": 11, "tolv": 12,
    "tretten": 13, "fjorten": 14, "femten": 15, "seksten": 16, "sytten": 17,
    "atten": 18, "nitten": 19, "tyve": 20, "fireogtyve": 24,
    "halvanden": 1.5, "halvandet": 1.5,
}
ORDINALS = {
    "første": 1, "anden": 2, "andet": 2, "tredje": 3, "fjerde": 4, "femte": 5,
    "sjette": 6, "syvende": 7, "ottende": 8, "niende": 9, "tiende": 10,
    "ellevte": 11, "tolvte": 12, "trettende": 13, "fjortende": 14,
    "femtende": 15, "sekstende": 16, "syttende": 17, "attende": 18,
    "nittende": 19, "tyvende": 20, "fireogtyvende": 24,
}
# counts only ("flere gange årligt" = at least twice)
COUNT_WORDS = {"et par": 2, "flere": 2}

# unit -> (months per unit, rule name)
_WEEK = 12 / 52
_DAY = 12 / 365
UNITS = {
    "months": (1.0, "months"),
    "years": (12.0, "years"),
    "weeks": (_WEEK, "weeks"),
    "days": (_DAY, "days"),
    "quarters": (3.0, "quarters"),
    "halfyears": (6.0, "halfyears"),
}
_UNIT_PATTERNS = {
    "halfyears": r"halvår(?:et|s)?",
    "quarters": r"kvartal(?:er|et|s)?",
    "months": r"måned(?:erne|ers|er|en|s)?|mån(?:ed)?\.?|mndr?s?\.?|mdr?s?\.?",
    "years": r"år(?:et|s)?",
    "weeks": r"uge(?:rne|rs|r|n|s)?",
    "days": r"dag(?:ene|es|e|en)?|døgn",
}
# frequency words: stem -> (months, regex)
KEYWORDS = {
    "kvartalsvis": (3.0, r"kvartalsvis(?:t|e)?"),
    "halvårlig": (6.0, r"halvårlig(?:t|e)?|halvårsvis"),
    "årlig": (12.0, r"årlig(?:t|e)?"),
    "årsbasis": (12.0, r"årsbasis"),
    "månedlig": (1.0, r"månedlig(?:t|e)?|månedsvis"),
    "ugentlig": (_WEEK, r"ugentlig(?:t|e)?"),
}
# frequency adjectives/adverbs usable as the period of a count: regex -> (months, period name)
_PERIOD_WORDS = [
    (r"halvårlig(?:t|e)?", 6.0, "halfyear"),
    (r"kvartalsvis(?:t|e)?", 3.0, "quarter"),
    (r"årlig(?:t|e)?", 12.0, "year"),
    (r"månedlig(?:t|e)?", 1.0, "month"),
    (r"ugentlig(?:t|e)?", _WEEK, "week"),
]
_PERIOD_NAME = {"months": "month", "years": "year", "weeks": "week", "days": "day",
                "quarters": "quarter", "halfyears": "halfyear"}

_SEQUENCE_WORDS = r"derefter|herefter|hvorefter|dernæst|efterfølgende|og\s+så|siden\s+hen"
_INITIAL_WORDS = r"første|opstart\w*|indledende|indledningsvis|i\s+starten|i\s+begyndelsen"

_AS_NEEDED_PATTERNS = [
    r"(?:efter|ved|alt\s+efter|ud\s+fra|i\s+forhold\s+til)\s+(?:\w+\s+){0,2}behov",
    r"(?:når|hvis)\s+(?:\w+\s+){0,3}behov",
    r"behovs(?:bestemt|styret|afhængig|vurdering)\w*",
    r"løbende",
    r"konkrete?\s+vurdering\w*",
    r"individuel\w*",
    r"(?:ingen|ikke|intet|uden)\s+(?:\w+\s+)?(?:fast\w*|systematisk\w*)",
    r"fra\s+sag\s+til\s+sag",
    r"sagsafhængig\w*",
    r"afhæng\w*\s+af",
    r"variere\w*",
    r"ad[\s-]?hoc",
    r"ved\s+(?:[\w-]+\s+)?ændring\w*",
    r"(?:når|hvis)\s+(?:\w+\s+){0,4}ændr\w*",
]
_DONT_KNOW = r"ved\s+ikke(?![\w-])|vides\s+ikke|ukendt|kan\s+ikke\s+(?:oplyses|besvares|opgøres)|ikke\s+oplyst"
_NOT_APPLICABLE = (r"ikke\s+relevant|ikke\s+aktuel(?:t)?(?!\w)|n/a|tilbydes\s+ikke|ingen\s+borgere|"
                   r"har\s+ikke\s+borgere|anvendes\s+ikke|bruges\s+ikke")
_NO_FOLLOW_UP = (r"ingen\s+(?:opfølgning|revisitation)|følges\s+ikke\s+op|ikke\s+(?:opfølgning|revisitation)|"
                 r"revisiteres\s+ikke|ikke\s+revisiteret")
# numbers that are not intervals
_NOT_INTERVALS = [
    r"§+\s*\d+\s*[a-z]?(?:\s*[-/]\s*(?:§\s*)?\d+[a-z]?)*",
    r"(?:stk|nr|kap)\.?\s*\d+",
    r"(?<!\d)(?:19|20)\d{2}(?![\d.,])",
    r"(?:over|under|fyldt|ældre\s+end|yngre\s+end|alderen)\s+\d+(?:\s*-\s*\d+)?\s*år(?!\w)",
    r"(?<![\d.,])(?:1[5-9]|[2-9]\d|\d{3,})(?:\s*-\s*\d+)?\s*år(?!\w)",  # 15+ years: an age, never an interval
]
_FOLLOW_UP_NOUN = r"\w*(?:opfølgning|møde|besøg|samtale|revisitation|status|gennemgang|evaluering|revurdering)\w*"


# ---------------------------------------------------------------------------
# Regex assembly
# ---------------------------------------------------------------------------

def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_HALF = r"(?:og\s+(?:en|et)\s+halv[te]?)"
_NUM_DIGITS = rf"\d+(?:[.,]\d+)?(?:\s*½|\s+{_HALF})?\.?"
_NUM_HALF = r"1/2(?!\d)|½|(?:(?:en|et|én|ét)\s+)?halv(?:t|e)?(?!\w)"
_NUM_WORDS = rf"(?:{_alt(CARDINALS)})(?:\s+{_HALF})?(?!\w)"
_ORD_WORDS = rf"(?:{_alt(ORDINALS)})(?!\w)"
# quantity without / with ordinal words (ordinal words only after hver/hvert)
QTY = rf"(?<!\w)(?:{_NUM_HALF}|{_NUM_DIGITS}|{_NUM_WORDS})"
QTY_HVER = rf"(?<!\w)(?:{_NUM_HALF}|{_NUM_DIGITS}|{_ORD_WORDS}|{_NUM_WORDS})"
UNIT = "(?:" + "|".join(f"(?P<u_{k}>{v})" for k, v in _UNIT_PATTERNS.items()) + r")(?!\w)"
_CONN = r"(?P<conn>-|til|og|eller|/)"
_CNT = rf"(?<!\w)(?:(?:{_alt(COUNT_WORDS)}|{_alt(CARDINALS)})(?!\w)|\d+(?![\d.,]))"  # "2x" is a count
_PERIOD_ADVERB = "|".join(f"(?P<p_{name}{i}>{rx})" for i, (rx, _, name) in enumerate(_PERIOD_WORDS))


def _compile(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.VERBOSE)


_RX_COUNT = _compile(rf"""
    (?P<q1>{_CNT}) (?:\s*(?P<conn>-|til|eller)\s*(?P<q2>{_CNT}))?
    \s*(?:gange?|x|{_FOLLOW_UP_NOUN})(?!\w)\s*
    (?:(?:om|pr\.?|per|i\s+løbet\s+af|i|hver|hvert|inden\s+for|indenfor|på)\s+)?
    (?:(?:et|en|det|de)\s+(?=\w))?
    (?:(?P<pq>{QTY_HVER})\s*)?
    (?:{UNIT}|{_PERIOD_ADVERB})(?!\w)
""")
_RX_COUNT_ADJ = _compile(rf"""
    (?P<q1>{_CNT}) (?:\s*(?P<conn>-|til|eller)\s*(?P<q2>{_CNT}))?
    \s+(?:{_PERIOD_ADVERB})(?!\w)
""")
_RX_INTERVAL_HVER = _compile(rf"""
    (?<!\w)hver[ts]?\s+(?P<q1>{QTY_HVER})
    (?:\s*{_CONN}\s*(?:hver[ts]?\s+)?(?P<q2>{QTY_HVER}))?
    \s*{UNIT}
""")
_RX_INTERVAL = _compile(rf"""
    (?P<q1>{QTY}) (?:\s*{_CONN}\s*(?P<q2>{QTY}))? \s*{UNIT}
""")
_RX_HVER_UNIT = _compile(rf"(?<!\w)hver[ts]?\s+{UNIT}")
_RX_KEYWORDS = [(stem, months, re.compile(rf"(?<!\w)(?:{rx})(?!\w)")) for stem, (months, rx) in KEYWORDS.items()]


def _rx(pattern: str) -> re.Pattern:
    return re.compile(rf"(?<!\w)(?:{pattern})")


_RX_SEQUENCE = re.compile(rf"(?<!\w)(?:{_SEQUENCE_WORDS})(?!\w)")
_RX_INITIAL = _rx(_INITIAL_WORDS)
_RX_AS_NEEDED = [_rx(p) for p in _AS_NEEDED_PATTERNS]
_RX_DONT_KNOW = _rx(_DONT_KNOW)
_RX_NOT_APPLICABLE = _rx(_NOT_APPLICABLE)
_RX_NO_FOLLOW_UP = _rx(_NO_FOLLOW_UP)
_RX_NOT_INTERVALS = [re.compile(p) for p in _NOT_INTERVALS]
_RX_DANGLING_NUMBER = re.compile(rf"\d|(?<!\w)hver[ts]?\s+(?:{_ORD_WORDS}|{_NUM_WORDS})")

_QUOTES = dict.fromkeys(map(ord, "\"'”“„«»‘’`´"), None)
_DASHES = dict.fromkeys(map(ord, "–—‐‑−"), "-")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Candidate:
    lo: float  # shortest interval (months)
    hi: float  # longest interval (months); == lo unless a range
    start: int
    end: int
    rule: str

    @property
    def is_range(self) -> bool:
        return self.hi > self.lo


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.translate(_QUOTES).translate(_DASHES).replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


_LABEL_INDEX = {_normalise(label).rstrip("."): label for label in CATEGORIES}


def _quantity(s: str) -> float:
    """Value of a QTY match (digits, fractions, Danish number/ordinal words)."""
    s = re.sub(r"\s+", " ", s.strip())
    m = re.fullmatch(rf"(.+?)\s*(?:½|{_HALF})", s)
    if m:
        return _quantity(m.group(1)) + 0.5
    s = s.rstrip(".").strip()
    if s in ("½", "1/2") or re.fullmatch(r"(?:(?:en|et|én|ét) )?halv[te]?", s):
        return 0.5
    if re.fullmatch(r"\d+(?:[.,]\d+)?", s):
        return float(s.replace(",", "."))
    for table in (COUNT_WORDS, CARDINALS, ORDINALS):
        if s in table:
            return float(table[s])
    raise ValueError(f"not a quantity: {s!r}")  # pragma: no cover - grammar guarantees


def _unit(m: re.Match) -> tuple[float, str]:
    for key in UNITS:
        if m.groupdict().get(f"u_{key}"):
            return UNITS[key]
    raise ValueError("no unit")  # pragma: no cover


def _period(m: re.Match) -> tuple[float, str]:
    """Length in months and name of the period of a count match."""
    for i, (_, months, name) in enumerate(_PERIOD_WORDS):
        if m.groupdict().get(f"p_{name}{i}"):
            return months, name
    per_unit, unit_name = _unit(m)
    pq = m.groupdict().get("pq")
    return (_quantity(pq) if pq else 1.0) * per_unit, _PERIOD_NAME[unit_name]


def _band(months: float) -> str:
    m = round(months, 1)
    if m <= 6:
        return _LE6
    if m < 12:
        return _6TO12
    if m == 12:
        return _YEARLY
    if m < 24:
        return _12TO24
    return _GE24


def _range_category(lo: float, hi: float) -> tuple[str, str]:
    lo_r, hi_r = round(lo, 1), round(hi, 1)
    if 6 <= lo_r and hi_r <= 12:
        return _6TO12, "range_band"
    if 12 <= lo_r and hi_r <= 24:
        return _12TO24, "range_band"
    if _band(lo) == _band(hi):
        return _band(hi), "range_same"
    return _band(hi), "range_longest"


def _opens_range(text: str, start: int) -> bool:
    return re.search(r"(?<!\w)(?:mellem|fra)\s*$", text[:start]) is not None


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + "#" * (end - start) + text[end:]


# ---------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------

def _pair(m: re.Match, text: str, value, rule: str) -> list[_Candidate]:
    """Candidates from a match with q1 [conn q2]: one value, one range, or two alternatives."""
    v1 = value(m.group("q1"))
    if not m.group("q2"):
        return [_Candidate(v1, v1, m.start(), m.end(), rule)]
    v2 = value(m.group("q2"))
    conn = m.group("conn")
    if conn in ("-", "til") or (conn == "og" and _opens_range(text, m.start())):
        return [_Candidate(min(v1, v2), max(v1, v2), m.start(), m.end(), rule)]
    # alternatives ("eller", "/", "og" without "mellem")
    return [_Candidate(v1, v1, m.start(), m.start("conn"), rule),
            _Candidate(v2, v2, m.start("q2"), m.end(), rule)]


def _extract(text: str) -> tuple[list[_Candidate], str]:
    """All interval candidates in ``text`` and the text with their spans masked."""
    masked = text
    for rx in _RX_NOT_INTERVALS:
        masked = rx.sub(lambda m: "#" * len(m.group()), masked)
    found: list[_Candidate] = []

    def scan(rx: re.Pattern, make) -> None:
        nonlocal masked
        for m in list(rx.finditer(masked)):
            found.extend(make(m))
            masked = _mask(masked, m.start(), m.end())

    def count(m: re.Match) -> list[_Candidate]:
        period, name = _period(m)
        return _pair(m, text, lambda q: period / _quantity(q) if _quantity(q) else 0.0, f"per_{name}_count")

    def interval(m: re.Match) -> list[_Candidate]:
        per_unit, name = _unit(m)
        return _pair(m, text, lambda q: _quantity(q) * per_unit, f"interval_{name}")

    def hver_unit(m: re.Match) -> list[_Candidate]:
        per_unit, name = _unit(m)
        return [_Candidate(per_unit, per_unit, m.start(), m.end(), f"interval_{name}")]

    scan(_RX_COUNT, count)
    scan(_RX_COUNT_ADJ, count)
    scan(_RX_INTERVAL_HVER, interval)
    scan(_RX_INTERVAL, interval)
    scan(_RX_HVER_UNIT, hver_unit)
    for stem, months, rx in _RX_KEYWORDS:
        scan(rx, lambda m, months=months, stem=stem: [
            _Candidate(months, months, m.start(), m.end(), f"keyword:{stem}")])
    found.sort(key=lambda c: c.start)
    return _merge_ranges(found, text), masked


def _merge_ranges(cands: list[_Candidate], text: str) -> list[_Candidate]:
    """Join neighbours written as a range: "6 mdr. - 1 år", "fra 6 mdr. til 1 år",
    "mellem hver 6. måned og årligt"."""
    out: list[_Candidate] = []
    for c in cands:
        if out:
            prev = out[-1]
            gap = text[prev.end:c.start].strip(" .,")
            if gap in ("-", "til") or (gap == "og" and _opens_range(text, prev.start)):
                rule = prev.rule if prev.rule == c.rule else f"{prev.rule}+{c.rule}"
                out[-1] = _Candidate(min(prev.lo, c.lo), max(prev.hi, c.hi), prev.start, c.end, rule)
                continue
        out.append(c)
    return out


# ---------------------------------------------------------------------------
# Decision
# ---------------------------------------------------------------------------

def _unresolved(why: str) -> Q12Coding:
    return Q12Coding(None, f"unresolved:{why}", None)


def _has_as_needed(text: str) -> bool:
    return any(rx.search(text) for rx in _RX_AS_NEEDED)


def _recurring(cands: list[_Candidate], text: str) -> tuple[list[_Candidate], bool, str | None]:
    """Keep the recurring interval(s). Returns (kept, dropped_any, as_needed_after_sequence)."""
    kept = cands
    markers = list(_RX_SEQUENCE.finditer(text))
    for mk in reversed(markers):
        after = [c for c in cands if c.start >= mk.end()]
        if after:
            kept = after
            break
    else:
        if markers:
            last = markers[-1]
            tail = text[last.end():]
            if _has_as_needed(tail):  # "efter 3 mdr., derefter efter behov"
                return [], True, "as_needed"
            # "efter 3 mdr. og årligt herefter": the interval right before the marker recurs
            before = [c for c in cands if c.end <= last.start()]
            if len(before) > 1 and not text[before[-1].end:last.start()].strip(" .,"):
                kept = [before[-1]]
    # an interval introduced by "første"/"opstart"/... is the initial one
    # (same clause: no punctuation or sequence word between the marker and the interval)
    initial = set()
    for mk in _RX_INITIAL.finditer(text):
        if any(c.start <= mk.start() < c.end for c in cands):
            continue  # "hver første måned": the word is part of an interval
        nxt = next((c for c in cands if c.start >= mk.end()), None)
        if nxt is None:
            continue
        gap = text[mk.end():nxt.start]
        if len(gap) <= 60 and not re.search(r"[,;:()]", gap) and not _RX_SEQUENCE.search(gap):
            initial.add(nxt)
    recurring = [c for c in kept if c not in initial]
    if not recurring:
        return [], True, "only_initial"
    return recurring, len(recurring) < len(cands), None


def code_q12(text: str) -> Q12Coding:
    """Code one Q12 free-text description into one of ``CATEGORIES`` (or refuse)."""
    norm = _normalise(text or "")
    label = _LABEL_INDEX.get(norm.rstrip(". "))
    if label is not None:
        return Q12Coding(label, "category_label", _LABEL_MONTHS[label])
    if re.fullmatch(r"[\s?]*\?[\s?]*", norm):
        return _unresolved("dont_know")
    if not re.search(r"\w|½", norm):
        return _unresolved("empty")
    if _RX_DONT_KNOW.search(norm):
        return _unresolved("dont_know")
    if _RX_NOT_APPLICABLE.search(norm):
        return _unresolved("not_applicable")

    cands, masked = _extract(norm)
    if any(c.lo <= 0 for c in cands):
        return _unresolved("zero_interval")
    if cands:
        kept, dropped, special = _recurring(cands, norm)
        if special == "as_needed":
            return Q12Coding(_AS_NEEDED, "recurring:as_needed", None)
        if special == "only_initial":
            return _unresolved("only_initial_interval")
        coded = []
        for c in kept:
            if c.is_range:
                category, kind = _range_category(c.lo, c.hi)
                coded.append((category, f"{kind}:{c.rule}", c.hi))
            else:
                coded.append((_band(c.lo), c.rule, c.lo))
        categories = {cat for cat, _, _ in coded}
        if len(categories) > 1:
            return _unresolved("conflicting_intervals")
        rules = list(dict.fromkeys(rule for _, rule, _ in coded))
        rule = "+".join(rules)
        if dropped:
            rule = f"recurring:{rule}"
        return Q12Coding(categories.pop(), rule, round(max(m for _, _, m in coded), 2))

    if _RX_DANGLING_NUMBER.search(masked):
        return _unresolved("number_without_unit")
    if _has_as_needed(norm):
        return Q12Coding(_AS_NEEDED, "as_needed", None)
    if _RX_NO_FOLLOW_UP.search(norm):
        return _unresolved("no_follow_up")
    return _unresolved("no_interval")


def free_text_questions(source) -> list[int]:
    """The question numbers whose answers may be free text (rubric_questions.is_free_text), from a
    :class:`~styringsoverblik.rubric.Rubric` or the project (a Project or its root) whose rubric
    seeds are read (styringsoverblik.rubric, the one rubric reader)."""
    from styringsoverblik import rubric

    found = source if isinstance(source, rubric.Rubric) else rubric.load(source)
    return rubric.free_text_questions(found)


def write_codings(con, question_numbers: list[int], raw_table: str = "raw.raw_responses") -> int:
    """Code every distinct answer text of the free-text questions in the raw table once and
    write them to raw.q12_codings (answer_text, category, coding_rule, interval_months).
    Classification uses a coding only where the answer is not an option's label or number and
    no override row decides it. Returns the number of distinct texts coded."""
    numbers = ", ".join(f"'{n}'" for n in question_numbers) or "null"
    texts = [
        text
        for (text,) in con.execute(
            f"select distinct coalesce(answer, '') from {raw_table} where trim(question_no) in ({numbers})"
        ).fetchall()
    ]
    codings = [(text, *_coding_row(code_q12(text))) for text in texts]
    con.execute(
        "create or replace table raw.q12_codings ("
        "answer_text varchar, category varchar, coding_rule varchar, interval_months double)"
    )
    if codings:
        con.executemany("insert into raw.q12_codings values (?, ?, ?, ?)", codings)
    return len(codings)


def _coding_row(coding: Q12Coding) -> tuple:
    return coding.category, coding.rule, coding.months
