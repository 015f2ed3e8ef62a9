"""Q12 free-text coder: hand-coded Danish descriptions -> the note's six categories.

Every expectation below is the coding a human coder would give the text, written by hand;
none is derived from the parser's output.
"""

from __future__ import annotations

import pytest

from conftest import PROJECT_ROOT
from styringsoverblik.q12 import CATEGORIES, Q12Coding, code_q12
from styringsoverblik.rubric import Rubric

LE6, B6_12, YEARLY, B12_24, GE24, AS_NEEDED = CATEGORIES


def test_categories_are_every_q12_items_options_in_the_rubric_in_order():
    """The six categories are the note's answer labels as the rubric seed prints them: the options
    of every Q12 item, in option order (the codings are matched to the options by label)."""
    rubric = Rubric.from_seeds(PROJECT_ROOT / "seeds", current_only=True)
    assert rubric.items[12]
    for item in rubric.items[12]:
        assert tuple(option.label for option in rubric.item_options(12, item.item_code)) == CATEGORIES, item


def test_result_type_is_frozen():
    coding = code_q12("årligt")
    assert isinstance(coding, Q12Coding)
    with pytest.raises(AttributeError):
        coding.category = None  # type: ignore[misc]


# --- labels map to themselves ---------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hver 6. måned eller hyppigere", LE6),
        ("mellem hver 6. måned og årligt", B6_12),
        ("”Årligt”", YEARLY),
        ("  MELLEM  HVER 12. OG HVER 24. MÅNED ", B12_24),
        ('"Hvert andet år eller sjældnere".', GE24),
        ("Efter behov", AS_NEEDED),
        ("efter behov.", AS_NEEDED),
    ],
)
def test_category_label_maps_to_itself(text, expected):
    coding = code_q12(text)
    assert coding.category == expected
    assert coding.rule == "category_label"


# --- at least 8 per category ------------------------------------------------------------

LE6_TEXTS = [
    ("hver 3. måned", 3),
    ("hver tredje måned", 3),
    ("Hver 6 mnd", 6),
    ("hver 6. md.", 6),
    ("mindst hver 6. måned", 6),
    ("min. hver 4. mdr.", 4),
    ("to gange om året", 6),
    ("2 gange årligt", 6),
    ("4 gange årligt", 3),
    ("3-4 gange om året", 4),
    ("hvert halve år", 6),
    ("et halvt år", 6),
    ("½ år", 6),
    ("hvert 1/2 år", 6),
    ("hvert halvår", 6),
    ("hvert kvartal", 3),
    ("hver anden måned", 2),
    ("hver 2 mdr", 2),
    ("kvartalsvis", 3),
    ("kvartalsvist", 3),
    ("Halvårligt", 6),
    ("halvårlig opfølgning", 6),
    ("månedligt", 1),
    ("hver måned", 1),
    ("ca. hver 3. md", 3),
    ("senest efter 6 måneder", 6),
    ("en gang hvert halve år", 6),
    ("flere gange årligt", 6),
    ("hver 3.-6. måned", 6),
]


@pytest.mark.parametrize("text, months", LE6_TEXTS)
def test_six_months_or_more_often(text, months):
    coding = code_q12(text)
    assert (coding.category, coding.months) == (LE6, pytest.approx(months)), coding


B6_12_TEXTS = [
    ("hver 7. måned", 7),
    ("hver 8. mdr.", 8),
    ("hver niende måned", 9),
    ("hver 9 mdr", 9),
    ("ca. hver 10 mnd.", 10),
    ("hver 11. md", 11),
    ("hvert 10. måned", 10),
    ("hver 6.-12. måned", 12),
    ("6-12 mdr.", 12),
    ("mellem 6 og 12 måneder", 12),
    ("Mellem hver 6. måned og årligt, afhængig af sagen", 12),
    ("1-2 gange årligt", 12),
    ("fra 6 mdr. til 1 år", 12),
    ("½-1 år", 12),
]


@pytest.mark.parametrize("text, months", B6_12_TEXTS)
def test_between_six_and_twelve_months(text, months):
    coding = code_q12(text)
    assert (coding.category, coding.months) == (B6_12, pytest.approx(months)), coding


YEARLY_TEXTS = [
    "årligt",
    "Årlig",
    "en gang om året",
    "én gang årligt",
    "1 gang årligt",
    "1 x årligt",
    "min. 1 gang om året",
    "hver 12. måned",
    "hver tolvte måned",
    "12 mdr.",
    "hvert år",
    "efter et år",
    "på årsbasis",
    "Årligt og efter behov",
    "løbende, mindst en gang om året",
    "Årligt (hver 12. måned)",
]


@pytest.mark.parametrize("text", YEARLY_TEXTS)
def test_yearly(text):
    coding = code_q12(text)
    assert (coding.category, coding.months) == (YEARLY, 12.0), coding


B12_24_TEXTS = [
    ("hver 13. måned", 13),
    ("hver 18. måned", 18),
    ("hver 20. mdr.", 20),
    ("hvert 1½ år", 18),
    ("hvert 1,5 år", 18),
    ("1 ½ år", 18),
    ("halvandet år", 18),
    ("hvert halvandet år", 18),
    ("et og et halvt år", 18),
    ("1-2 år", 24),
    ("12-24 mdr.", 24),
    ("hver 12.-24. måned", 24),
    ("vi følger op mellem hver 12. og hver 24. måned", 24),
    ("mellem 1 og 2 år", 24),
]


@pytest.mark.parametrize("text, months", B12_24_TEXTS)
def test_between_twelve_and_twenty_four_months(text, months):
    coding = code_q12(text)
    assert (coding.category, coding.months) == (B12_24, pytest.approx(months)), coding


GE24_TEXTS = [
    ("hvert andet år", 24),
    ("hver 2. år", 24),
    ("hvert 2. år", 24),
    ("hver 2 år", 24),
    ("hver 24. måned", 24),
    ("24 mdr.", 24),
    ("hvert tredje år", 36),
    ("hvert 3. år", 36),
    ("hvert 4. år", 48),
    ("minimum hvert andet år", 24),
    ("senest efter 2 år", 24),
    ("1 gang hvert andet år", 24),
    ("hver 2.-3. år", 36),
    ("to år", 24),
]


@pytest.mark.parametrize("text, months", GE24_TEXTS)
def test_every_second_year_or_less_often(text, months):
    coding = code_q12(text)
    assert (coding.category, coding.months) == (GE24, pytest.approx(months)), coding


AS_NEEDED_TEXTS = [
    "Opfølgning sker efter behov",
    "ved behov",
    "Når der er behov",
    "løbende",
    "Løbende opfølgning",
    "efter konkret vurdering",
    "individuelt",
    "Ingen fast frekvens",
    "Der er ingen faste intervaller, det vurderes fra sag til sag",
    "ved ændringer",
    "Afhænger af borgerens situation",
    "ad hoc",
    "behovsbestemt",
    "Der er ikke fastsat et interval",
]


@pytest.mark.parametrize("text", AS_NEEDED_TEXTS)
def test_as_needed(text):
    coding = code_q12(text)
    assert (coding.category, coding.rule, coding.months) == (AS_NEEDED, "as_needed", None), coding


# --- boundaries ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected, months",
    [
        ("hver 6. måned", LE6, 6),       # exactly 6: "eller hyppigere" includes 6
        ("hver 7. måned", B6_12, 7),
        ("hver 12. måned", YEARLY, 12),  # exactly 12
        ("hver 13. måned", B12_24, 13),
        ("hver 18. måned", B12_24, 18),
        ("hver 24. måned", GE24, 24),    # exactly 24: "hvert andet år eller sjældnere"
        ("hvert andet år", GE24, 24),
        ("hver 2. år", GE24, 24),
        ("hver 11. måned", B6_12, 11),
        ("hver 23. måned", B12_24, 23),
    ],
)
def test_boundaries(text, expected, months):
    coding = code_q12(text)
    assert (coding.category, coding.months) == (expected, pytest.approx(months)), coding


# --- weeks and days are converted to months (week = 12/52, day = 12/365 month) ----------------

@pytest.mark.parametrize(
    "text, expected, months",
    [
        ("hver 14. dag", LE6, 14 * 12 / 365),
        ("hver 8. uge", LE6, 8 * 12 / 52),
        ("hver 26. uge", LE6, 6),
        ("hver 30. uge", B6_12, 30 * 12 / 52),
        ("hver 52. uge", YEARLY, 12),
        ("hver 365. dag", YEARLY, 12),
        ("hver 60. uge", B12_24, 60 * 12 / 52),
        ("hver 104. uge", GE24, 24),
        ("ugentligt", LE6, 12 / 52),
        ("efter 180 dage", LE6, 180 * 12 / 365),
    ],
)
def test_weeks_and_days(text, expected, months):
    coding = code_q12(text)
    assert coding.category == expected, coding
    assert coding.months == pytest.approx(months, abs=0.01)


# --- rules reported ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, rule",
    [
        ("hver 3. måned", "interval_months"),
        ("hvert andet år", "interval_years"),
        ("hver 8. uge", "interval_weeks"),
        ("to gange om året", "per_year_count"),
        ("kvartalsvis", "keyword:kvartalsvis"),
        ("kvartalsvist", "keyword:kvartalsvis"),
        ("halvårligt", "keyword:halvårlig"),
        ("løbende", "as_needed"),
        ("6-12 mdr.", "range_band:interval_months"),
        ("3-6 mdr.", "range_same:interval_months"),
        ("3-12 mdr.", "range_longest:interval_months"),
        ("Der følges op efter 3 mdr. og derefter årligt", "recurring:keyword:årlig"),
        ("efter 3 mdr., derefter efter behov", "recurring:as_needed"),
    ],
)
def test_rule_codes(text, rule):
    assert code_q12(text).rule == rule


# --- decisions where the issue was silent ------------------------------------------------------

def test_range_inside_a_between_band_is_that_band():
    # the band's label is the range in words
    assert code_q12("hver 6.-12. måned").category == B6_12
    assert code_q12("12-24 mdr.").category == B12_24


def test_range_within_one_category_is_that_category():
    assert code_q12("hver 3.-6. måned").category == LE6
    assert code_q12("hvert 2.-3. år").category == GE24


def test_wider_range_is_coded_by_its_longest_interval():
    coding = code_q12("3-12 mdr.")
    assert (coding.category, coding.months) == (YEARLY, 12.0)
    assert code_q12("hver 6. til 18. måned").category == B12_24
    assert code_q12("1-3 år").category == GE24


def test_initial_follow_up_then_recurring_uses_the_recurring_interval():
    assert code_q12("Efter 3 mdr. og derefter årligt").category == YEARLY
    assert code_q12("Første opfølgning efter 3 måneder, herefter hver 12. måned").category == YEARLY
    assert code_q12("Årlig opfølgning, første gang efter 6 mdr.").category == YEARLY
    assert code_q12("efter 3 mdr. og årligt herefter").category == YEARLY
    assert code_q12("Efter 1 md., derefter efter 3 mdr. og herefter hvert andet år").category == GE24


def test_fixed_interval_wins_over_as_needed():
    assert code_q12("Efter behov, dog senest efter 2 år").category == GE24
    assert code_q12("hver 3. måned eller efter behov").category == LE6


def test_alternatives_in_the_same_category_resolve():
    coding = code_q12("hver 3. eller 6. måned")
    assert (coding.category, coding.months) == (LE6, 6.0)


def test_bound_words_do_not_change_the_interval():
    for text in ("mindst hver 6. måned", "minimum hver 6. måned", "min. hver 6. måned",
                 "senest hver 6. måned", "op til 6 måneder", "ca. hver 6. måned",
                 "cirka hver 6. måned", "hver 6. måned eller hyppigere, hvis der er behov"):
        assert (code_q12(text).category, code_q12(text).months) == (LE6, 6.0), text


def test_deterministic():
    text = "Der følges op efter 3 mdr. og derefter to gange om året"
    assert {code_q12(text) for _ in range(5)} == {Q12Coding(LE6, "recurring:per_year_count", 6.0)}


# --- unresolvable texts -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, why",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("-", "empty"),
        ("Ved ikke", "dont_know"),
        ("ved ikke.", "dont_know"),
        ("Ukendt", "dont_know"),
        ("?", "dont_know"),
        ("Ved ikke - formentlig årligt", "dont_know"),
        ("Ikke relevant", "not_applicable"),
        ("Vi har ingen borgere i denne målgruppe", "not_applicable"),
        ("hver 3. måned eller hvert 2. år", "conflicting_intervals"),
        ("hver 6. eller 12. måned", "conflicting_intervals"),
        ("Hver 6. måned for § 85 og årligt for § 108", "conflicting_intervals"),
        ("Opfølgning efter 6 og 12 mdr.", "conflicting_intervals"),
        ("Unge under 25 år revisiteres hver 6. måned, øvrige årligt", "conflicting_intervals"),
        ("12", "number_without_unit"),
        ("hver 6.", "number_without_unit"),
        ("6-12", "number_without_unit"),
        ("hver tredje", "number_without_unit"),
        ("asdf qwerty", "no_interval"),
        ("Ja", "no_interval"),
        ("Se vedhæftede retningslinjer", "no_interval"),
        ("Der følges ikke op", "no_follow_up"),
        ("Første opfølgning efter 3 mdr.", "only_initial_interval"),
        ("hver 0. måned", "zero_interval"),
    ],
)
def test_unresolved(text, why):
    coding = code_q12(text)
    assert coding == Q12Coding(None, f"unresolved:{why}", None)


def test_none_input_is_empty():
    assert code_q12(None).rule == "unresolved:empty"  # type: ignore[arg-type]


# --- realistic municipal descriptions, coded by hand ----------------------------------------------

REALISTIC = [
    ("Borgere i § 108 revisiteres som udgangspunkt hvert andet år", GE24),
    ("Opfølgning sker min. 1 gang årligt", YEARLY),
    ("Der følges op efter 3 mdr. og derefter årligt", YEARLY),
    ("Der afholdes opfølgningsmøde hver 3. måned", LE6),
    ("Opfølgning hvert halve år eller ved behov", LE6),
    ("Sagerne revisiteres løbende og mindst én gang om året", YEARLY),
    ("Ingen fast kadence – der følges op efter behov", AS_NEEDED),
    ("Efter konkret vurdering i den enkelte sag", AS_NEEDED),
    ("Første opfølgning efter 3 måneder, herefter hver 6. måned", LE6),
    ("Opfølgning 2 gange årligt i forbindelse med statusmøde", LE6),
    ("Status hver 4. måned via handleplanen", LE6),
    ("Der følges op minimum hvert 2. år", GE24),
    ("Revisitation hvert 3. år, eller før ved ændringer", GE24),
    ("Opfølgning sker med 6-12 måneders interval", B6_12),
    ("Ca. hver 8. md.", B6_12),
    ("Borgeren revisiteres senest 18 mdr. efter bevillingen", B12_24),
    ("Opfølgning hvert 1½ år", B12_24),
    ("Kvartalsvise opfølgningsmøder med leverandøren", LE6),
    ("Halvårlige statusmøder med botilbuddet", LE6),
    ("Der følges op årligt, dog hyppigere ved behov", YEARLY),
    ("Opfølgning efter 14 dage og herefter hver 3. måned", LE6),
    ("Mindst 1 gang hver 12. måned", YEARLY),
    ("Den enkelte borger revisiteres som minimum hvert andet år, men oftere hvis der er behov", GE24),
    ("Revurdering efter 1-2 år", B12_24),
    ("Ved behov, dog senest efter 2 år", GE24),
    ("Borgere på § 107 følges op hver 3.-6. måned", LE6),
    ("Opfølgningen tilrettelægges individuelt", AS_NEEDED),
    ("Når der sker ændringer i borgerens situation", AS_NEEDED),
    ("Der er ikke fastlagt et interval", AS_NEEDED),
    ("Opfølgning 3-4 gange om året", LE6),
    ("Årlig opfølgning, første gang efter 6 mdr.", YEARLY),
    ("Opfølgning på bostøtten hver 6. uge", LE6),
    ("1 gang om året i forbindelse med handleplansmøde", YEARLY),
    ("Opfølgning på årsbasis", YEARLY),
    ("Der følges op hvert tredje år", GE24),
    ("Opfølgning med 12-24 måneders mellemrum", B12_24),
    ("Revisiteres hvert år i forbindelse med budgetlægningen for 2024", YEARLY),
    ("Borgere over 65 år: årligt", YEARLY),
    ("§ 85 i egen bolig: opfølgning hver 3 mdr.", LE6),
    ("Opfølgning efter 3 mdr., hvorefter der følges op efter behov", AS_NEEDED),
    ("Der afholdes 2 årlige opfølgningsmøder", LE6),
    ("4 statusmøder om året", LE6),
    ("Første revisitation efter 6 mdr. og derefter hvert år", YEARLY),
    ("Der foretages en opfølgning hvert halve år, som udgangspunkt", LE6),
    ("Opfølgning sker i henhold til kvalitetsstandarden, som udgangspunkt en gang om året", YEARLY),
    ("Sager på § 95 revurderes hver 9. måned", B6_12),
    ("Revisitation ca. hver 15. måned", B12_24),
    ("Der følges op efter 6 måneder", LE6),
    ("Borgeren revisiteres hvert 4. år eller ved ændret behov", GE24),
    ("Efter behov, dog mindst en gang årligt", YEARLY),
    ("Opfølgning 2x om året", LE6),
    ("Borgere mellem 18-25 år: hver 6. måned", LE6),
    ("Der følges op ved ikke-planlagte ændringer", AS_NEEDED),
    ("Der følges op 3 måneder efter indflytning og herefter én gang årligt", YEARLY),
    ("Der er opfølgning hver 3. måned det første år og derefter hvert halve år", LE6),
    ("Opfølgning sker 1 gang årligt eller oftere hvis nødvendigt", YEARLY),
]


@pytest.mark.parametrize("text, expected", REALISTIC)
def test_realistic_descriptions(text, expected):
    assert code_q12(text).category == expected, code_q12(text)


def test_each_category_has_at_least_eight_examples():
    counts = {
        LE6: len(LE6_TEXTS), B6_12: len(B6_12_TEXTS), YEARLY: len(YEARLY_TEXTS),
        B12_24: len(B12_24_TEXTS), GE24: len(GE24_TEXTS), AS_NEEDED: len(AS_NEEDED_TEXTS),
    }
    assert min(counts.values()) >= 8, counts
