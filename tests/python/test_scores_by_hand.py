"""Acceptance test: scores computed BY HAND from the technical note, not from the rubric seeds.

The fixture `tests/fixtures/scoring/hand_computed.csv` holds three 2023 responses:

- 825: a varied, complete response; Q17 "Vi har ingen interne botilbud i kommunen" (neutral
  mean of the other 46 questions), Q14 with exactly one yes, Q32/Q33 with mixed frequencies per
  group, Q34 with 5 of 16 boxes checked, 66,67/33,33 options in Q18, Q42, Q43 and Q47.
- 741: Q14 with two yes, Q17 "I nogen grad", Q34 all 16 boxes, Q7 and Q23 with unanswered
  items (no row), Q2 and Q44 not answered at all (NULL, left out: 45 scored questions).
- 492: low-scoring answers, several "Ved ikke", Q14 three times "Nej", Q17 "Slet ikke" and no
  Q34 row at all (a responding municipality with no checked box scores 0 on Q34).

Every expected question score below is written out from the note's tables ("Overblik over
svarmuligheder og score"); "66,67" and "33,33" are the exact thirds 200/3 and 100/3. Theme and
total expectations apply the note's rules to these hand values: a theme is the mean of its
scored questions, the total is the mean of all scored questions (not the mean of the themes).
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from conftest import FIXTURES, PostgresBuild, query

FIXTURE = FIXTURES / "scoring" / "hand_computed.csv"
YEAR = 2023
TOL = 1e-6

# The note's seven themes and their questions.
THEMES = {
    1: range(1, 14),  # Visitation og opfølgning, Q1-13
    2: range(14, 17),  # Kommunernes tilbudsvifte, Q14-16
    3: range(17, 22),  # Effektiv drift på udførerområdet, Q17-21
    4: range(22, 24),  # Velfærdsteknologi, Q22-23
    5: range(24, 36),  # Faglig og økonomisk styring, Q24-35
    6: range(36, 42),  # Data og ledelsesinformation, Q36-41
    7: range(42, 48),  # Kontrakter og forhandling, Q42-47
}


def _mean(values):
    """Mean of the non-None values as an exact Fraction; None when there is none."""
    scored = [F(v) for v in values if v is not None]
    return sum(scored, F(0)) / len(scored) if scored else None


# --------------------------------------------------------------------------------------------
# 825: varied, complete response; Q17 = "Vi har ingen interne botilbud i kommunen".
# --------------------------------------------------------------------------------------------
Q_825 = {
    1: F(100),  # Q1: Ja 100
    2: F(0),  # Q2: Nej 0
    3: F(100),  # Q3: Ja 100
    # Q4: § 95 "Ja, ved alle sager" 100, § 96 "Ja, ved sager over et bestemt beløb" 100,
    #     § 107 Nej 0, § 108 "Ja, ved alle sager" 100, § 85/ABL § 105 Nej 0
    4: F(100 + 100 + 0 + 100 + 0, 5),
    # Q5: § 95 Ja 100, § 96 Ja 100, § 107 Ja 100, § 108 Nej 0, § 85/ABL § 85 Ja 100
    5: F(100 + 100 + 100 + 0 + 100, 5),
    # Q6: § 95 "I forbindelse med sagens oplysning" 100, § 96 "I forbindelse med afdækning af
    #     rette tilbud" 100, § 107 "Når det rette tilbud er fundet" 0, § 108 "Ved ikke" 0,
    #     § 85/ABL § 85 "Når det rette tilbud er fundet" 0
    6: F(100 + 100 + 0 + 0 + 0, 5),
    # Q7: § 83 Ja 100, § 85 i egen bolig "Nej, men er ved at blive implementeret" 50,
    #     § 95 Ja 100, § 96 Nej 0, § 97 Ved ikke 0, § 103 Ja 100, § 104 "Nej, men ..." 50,
    #     § 107 Ja 100, § 108 Nej 0, § 85/ABL § 85 "Nej, men ..." 50
    7: F(100 + 50 + 100 + 0 + 0 + 100 + 50 + 100 + 0 + 50, 10),
    # Q8: § 83 "Ja, via formaliseret samarbejde (fx via visitationsudvalg)" 100,
    #     § 85 i egen bolig "Ja via uformel dialog" 50, § 97 Nej 0, § 103 Ved ikke 0,
    #     § 104 formaliseret 100, § 107 uformel 50, § 108 uformel 50,
    #     § 85/ABL § 85 formaliseret 100
    8: F(100 + 50 + 0 + 0 + 100 + 50 + 50 + 100, 8),
    # Q9: Krav om ... Ja 100, Tydeliggørelse af priser Nej 0, Formaliseret samarbejdsflade Ja 100
    9: F(100 + 0 + 100, 3),
    10: F(50),  # Q10: Halvårligt 50
    # Q11: § 83 Ja 100, § 85 i egen bolig Ja 100, § 95 Nej 0, § 96 Ja 100, § 97 Ja 100,
    #      § 103 Ved ikke 0, § 104 Ja 100, § 107 Nej 0, § 108 Ja 100, § 85/ABL § 108 Ja 100
    11: F(100 + 100 + 0 + 100 + 100 + 0 + 100 + 0 + 100 + 100, 10),
    # Q12: § 83 "Hver 6. måned eller hyppigere" 100,
    #      § 85 i egen bolig "Mellem hver 6. måned og årligt" 75, § 95 Årligt 50,
    #      § 96 "Mellem hver 12. og hver 24. måned" 25,
    #      § 97 "Hvert andet år eller sjældnere" 0,
    #      § 103 "Efter behov" 50, § 104 "Hver 6. måned eller hyppigere" 100,
    #      § 107 "Mellem hver 6. måned og årligt" 75, § 108 Årligt 50,
    #      § 85/ABL § 108 "Efter behov" 50
    12: F(100 + 75 + 50 + 25 + 0 + 50 + 100 + 75 + 50 + 50, 10),
    13: F(100),  # Q13: "Ja, for nogen målgrupper" 100
    # Q14: § 82a "Ja, for alle målgrupper", § 82b Nej, Hjælp tilsvarende Nej -> one yes: 50
    14: F(50),
    15: F(100),  # Q15: Ja 100
    16: F(75),  # Q16: "5 niveauer" 75
    # Q17: "Vi har ingen interne botilbud i kommunen" -> neutral mean, set below
    # Q18: Vagtplanlægning "Ja, på alle botilbud" 100, Samling af administration "Ja, på de
    #      fleste botilbud" 200/3, Fælles tilgang "I mindre grad" 100/3, Digital understøttelse
    #      "Slet ikke" 0, Formaliserede principper "Ja, på de fleste botilbud" 200/3
    18: (100 + F(200, 3) + F(100, 3) + 0 + F(200, 3)) / 5,
    19: F(100),  # Q19: "Nej, der er ikke ledige ressourcer i dagtimerne" 100
    20: F(0),  # Q20: Nej 0
    21: F(50),  # Q21: "Ja, på bostøtteområdet" 50
    22: F(100),  # Q22: Ja 100
    # Q23: Skærmbesøg Anvender 100, Medicinhåndtering Anvender 100, Rengøringsteknologi Anvender
    #      ikke 0, Hygiejneteknologi 100, Struktur og planlægningsteknologi 0, Træningsteknologi
    #      100, Sociale teknologier 0, Sanseteknologi 100, Smarthome-funktioner 0, Overvågning 100,
    #      Mobilitetsteknologi 0
    23: F(100 + 100 + 0 + 100 + 0 + 100 + 0 + 100 + 0 + 100 + 0, 11),
    24: F(100),  # Q24: Ja 100
    25: F(0),  # Q25: Nej 0
    26: F(0),  # Q26: Ved ikke 0
    27: F(50),  # Q27: "Kombination (delvis rammebevilling og aktivitetsbaseret finansiering)" 50
    28: F(0),  # Q28: Rammebaseret 0 (botilbud: Aktivitetsbaseret is the 100 option)
    29: F(100),  # Q29: Ja 100
    30: F(100),  # Q30: Ja 100
    31: F(0),  # Q31: Nej 0
    # Q32: Centerledelse Kvartalsvist 200/3, Direktion Månedligt 100, Fagudvalg Kvartalsvist 100,
    #      Økonomiudvalg Halvårligt 50
    32: (F(200, 3) + 100 + 100 + 50) / 4,
    # Q33: Centerledelse "Ja, halvårligt" 100/3, Direktion "Ja, kvartalsvist" 200/3,
    #      Fagudvalg "Ja, halvårligt" 50, Økonomiudvalg "Ja, kvartalsvist" 100
    33: (F(100, 3) + F(200, 3) + 50 + 100) / 4,
    # Q34: 5 of 16 boxes: Centerledelse Gennemsnitspriser + Tilgang/afgang, Direktion
    #      Gennemsnitspriser, Fagudvalg Varighed, Økonomiudvalg Antal borgere op/ned
    34: F(5 * 100 + 11 * 0, 16),
    35: F(100),  # Q35: Ja 100
    36: F(100),  # Q36: Ja 100
    37: F(0),  # Q37: Nej 0
    38: F(100),  # Q38: Ja 100
    39: F(0),  # Q39: Ved ikke 0
    40: F(100),  # Q40: Ja 100
    # Q41: aggregeret "Ja, for alle modtagere" 100, individniveau "Ja, for nogle modtagere" 50,
    #      unikke modtagere Nej 0, fuldtidsmodtagere "Ja, for nogle modtagere" 50,
    #      udgift pr. fuldtidsmodtager Ved ikke 0
    41: F(100 + 50 + 0 + 50 + 0, 5),
    42: F(200, 3),  # Q42: "Ja, ved de fleste køb" 66,67
    43: F(100, 3),  # Q43: "For ca. halvdelen af alle borgere i eksterne tilbud" 33,33
    44: F(100),  # Q44: Ja 100
    45: F(0),  # Q45: "Hjælpen justeres inden for den eksisterende afgørelse" 0
    46: F(50),  # Q46: "... vil vi i de fleste tilfælde forsøge at genforhandle prisen ..." 50
    # Q47: indledende køb "I høj grad" 100, løbende opfølgning "I nogen grad" 200/3
    47: (100 + F(200, 3)) / 2,
}
# Q17 neutral: the note's "neutralt gennemsnit af kommunens øvrige besvarelser" = the mean of
# 825's other 46 question scores (all themes; none of them is NULL).
assert len(Q_825) == 46 and 17 not in Q_825
Q_825[17] = _mean(Q_825.values())

# --------------------------------------------------------------------------------------------
# 741: Q2 and Q44 not answered (NULL); Q7 and Q23 partly answered; Q34 all 16 boxes.
# --------------------------------------------------------------------------------------------
Q_741 = {
    1: F(0),  # Q1: Nej 0
    2: None,  # Q2: no row -> NULL, left out of theme 1 and the total
    3: F(100),  # Q3: Ja 100
    # Q4: § 95, § 96, § 107 "Ja, ved sager over et bestemt beløb" 100, § 108 Nej 0,
    #     § 85/ABL § 105 "Ja, ved sager over et bestemt beløb" 100
    4: F(100 + 100 + 100 + 0 + 100, 5),
    5: F(100 * 5, 5),  # Q5: all five Ja 100
    # Q6: § 95 sagens oplysning 100, § 96 afdækning af rette tilbud 100, § 107 sagens oplysning
    #     100, § 108 "Når det rette tilbud er fundet" 0, § 85/ABL § 85 afdækning 100
    6: F(100 + 100 + 100 + 0 + 100, 5),
    # Q7: 7 answered items (§ 97, § 104, § 108 have no row and are left out): § 83 Ja 100,
    #     § 85 i egen bolig Ja 100, § 95 "Nej, men er ved at blive implementeret" 50, § 96 Nej 0,
    #     § 103 Ja 100, § 107 "Nej, men ..." 50, § 85/ABL § 85 Ja 100
    7: F(100 + 100 + 50 + 0 + 100 + 50 + 100, 7),
    # Q8: § 83 and § 85 i egen bolig "Ja, via formaliseret samarbejde" 100; § 97, § 103, § 104,
    #     § 107, § 108, § 85/ABL § 85 "Ja via uformel dialog" 50
    8: F(100 + 100 + 50 + 50 + 50 + 50 + 50 + 50, 8),
    9: F(100 + 100 + 100, 3),  # Q9: Ja, Ja, Ja
    10: F(100),  # Q10: Kvartalsvist 100
    # Q11: § 83 ... § 108 Ja 100 (9 items), § 85/ABL § 108 Nej 0
    11: F(9 * 100 + 0, 10),
    # Q12: § 83 "Hver 6. måned eller hyppigere" 100, § 85 i egen bolig Årligt 50, § 95 "Mellem
    #      hver 12. og hver 24. måned" 25, § 96 Årligt 50, § 97 Årligt 50, § 103 Årligt 50,
    #      § 104 Årligt 50, § 107 Årligt 50, § 108 "Mellem hver 6. måned og årligt" 75,
    #      § 85/ABL § 108 Årligt 50
    12: F(100 + 50 + 25 + 50 + 50 + 50 + 50 + 50 + 75 + 50, 10),
    13: F(100),  # Q13: "Ja, for alle målgrupper" 100
    # Q14: § 82a "Ja, for nogen målgrupper", § 82b "Ja, for alle målgrupper", Hjælp tilsvarende
    #      Nej -> two yes: 100
    14: F(100),
    15: F(0),  # Q15: Nej 0
    16: F(100),  # Q16: "Tilbudsviften er ikke inddelt i niveauer" 100
    17: F(200, 3),  # Q17: "I nogen grad" 66,67
    # Q18: Digital understøttelse af medicin-håndtering "Ja, på alle botilbud" 100, the other
    #      four "Ja, på de fleste botilbud" 200/3
    18: (F(200, 3) + F(200, 3) + F(200, 3) + 100 + F(200, 3)) / 5,
    19: F(100),  # Q19: "Ja, ledige ressourcer ... anvendes til opgaver internt på botilbuddet" 100
    20: F(100),  # Q20: "Ja, ved hjælp af planlægningsværktøj" 100
    21: F(100),  # Q21: "Ja, både på botilbudsområdet og på bostøtteområdet" 100
    22: F(0),  # Q22: Ved ikke 0
    # Q23: 7 answered items (Hygiejneteknologi, Træningsteknologi, Sanseteknologi, Overvågning
    #      have no row): Skærmbesøg 100, Medicinhåndtering 100, Rengøringsteknologi "Anvender
    #      ikke" 0, Struktur og planlægningsteknologi 100, Sociale teknologier 0,
    #      Smarthome-funktioner 100, Mobilitetsteknologi 0
    23: F(100 + 100 + 0 + 100 + 0 + 100 + 0, 7),
    24: F(100),  # Q24: Ja 100
    25: F(100),  # Q25: Ja 100
    26: F(0),  # Q26: Nej 0
    27: F(100),  # Q27: Rammebaseret 100 (bostøtte)
    28: F(100),  # Q28: Aktivitetsbaseret 100 (botilbud)
    29: F(0),  # Q29: Nej 0
    30: F(100),  # Q30: Ja 100
    31: F(100),  # Q31: Ja 100
    # Q32: Centerledelse Månedligt 100, Direktion Kvartalsvist 200/3, Fagudvalg Månedligt 100,
    #      Økonomiudvalg Kvartalsvist 100
    32: (100 + F(200, 3) + 100 + 100) / 4,
    # Q33: all four "Ja, kvartalsvist": Centerledelse 200/3, Direktion 200/3, Fagudvalg 100,
    #      Økonomiudvalg 100
    33: (F(200, 3) + F(200, 3) + 100 + 100) / 4,
    34: F(16 * 100, 16),  # Q34: all 16 boxes checked
    35: F(0),  # Q35: Nej 0
    36: F(100),  # Q36: Ja 100
    37: F(100),  # Q37: Ja 100
    38: F(0),  # Q38: Nej 0
    39: F(100),  # Q39: Ja 100
    40: F(0),  # Q40: Nej 0
    # Q41: aggregeret niveau "Ja, for alle modtagere" 100, the other four "Ja, for nogle
    #      modtagere" 50
    41: F(100 + 50 + 50 + 50 + 50, 5),
    42: F(100),  # Q42: "Ja, ved alle køb" 100
    43: F(200, 3),  # Q43: "For næsten alle borgere i eksterne tilbud" 66,67
    44: None,  # Q44: no row -> NULL, left out of theme 7 and the total
    45: F(100),  # Q45: "Der bliver truffet en ny afgørelse med et nyt støtteniveau" 100
    46: F(100),  # Q46: "... vil vi altid forsøge at genforhandle prisen på indsatsen" 100
    # Q47: indledende køb "I mindre grad" 100/3, løbende opfølgning "I nogen grad" 200/3
    47: (F(100, 3) + F(200, 3)) / 2,
}

# --------------------------------------------------------------------------------------------
# 492: low scores, several "Ved ikke" (an option worth 0, i.e. answered), no Q34 row.
# --------------------------------------------------------------------------------------------
Q_492 = {
    1: F(0),  # Q1: Nej 0
    2: F(0),  # Q2: Ved ikke 0
    3: F(0),  # Q3: Nej 0
    # Q4: § 95 "Ja, ved alle sager" 100, § 96, § 107, § 108, § 85/ABL § 105 Nej 0
    4: F(100 + 0 + 0 + 0 + 0, 5),
    5: F(0 * 5, 5),  # Q5: all five Nej 0
    # Q6: § 95, § 96, § 107, § 108 "Når det rette tilbud er fundet" 0,
    #     § 85/ABL § 85 Ved ikke 0
    6: F(0 + 0 + 0 + 0 + 0, 5),
    # Q7: § 83 "Nej, men er ved at blive implementeret" 50, § 108 Ved ikke 0, other 8 Nej 0
    7: F(50 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0 + 0, 10),
    # Q8: § 83 "Ja via uformel dialog" 50, other 7 Nej 0
    8: F(50 + 0 + 0 + 0 + 0 + 0 + 0 + 0, 8),
    9: F(0 + 0 + 0, 3),  # Q9: Nej, Nej, Nej
    10: F(0),  # Q10: "Årligt eller sjældnere" 0
    11: F(0 * 10, 10),  # Q11: § 83 Ved ikke 0, other 9 Nej 0
    # Q12: § 83 and § 85 i egen bolig "Mellem hver 12. og hver 24. måned" 25, other 8
    #      "Hvert andet år eller sjældnere" 0
    12: F(25 + 25 + 8 * 0, 10),
    13: F(0),  # Q13: Nej 0
    # Q14: § 82a, § 82b, Hjælp tilsvarende all Nej -> no yes: 0 (answered, so not NULL)
    14: F(0),
    15: F(0),  # Q15: Ved ikke 0
    16: F(25),  # Q16: "3 niveauer" 25
    17: F(0),  # Q17: "Slet ikke" 0
    # Q18: Vagtplanlægning "I mindre grad" 100/3, other four "Slet ikke" 0
    18: (F(100, 3) + 0 + 0 + 0 + 0) / 5,
    # Q19: "Nej, der har ikke været særlig opmærksomhed omkring ledige ressourcer i dagtimerne" 0
    19: F(0),
    20: F(0),  # Q20: Ved ikke 0
    21: F(0),  # Q21: Nej 0
    22: F(0),  # Q22: Nej 0
    23: F(100 + 10 * 0, 11),  # Q23: Skærmbesøg Anvender 100, other 10 "Anvender ikke" 0
    24: F(0),  # Q24: Nej 0
    25: F(0),  # Q25: Ved ikke 0
    26: F(0),  # Q26: Nej 0
    27: F(0),  # Q27: Aktivitetsbaseret 0 (bostøtte)
    28: F(0),  # Q28: Rammebaseret 0 (botilbud)
    29: F(0),  # Q29: Nej 0
    30: F(0),  # Q30: Nej 0
    31: F(0),  # Q31: Ved ikke 0
    # Q32: Centerledelse "Årligt eller sjældnere" 0, Direktion Halvårligt 100/3, Fagudvalg
    #      Ved ikke 0, Økonomiudvalg Halvårligt 50
    32: (0 + F(100, 3) + 0 + 50) / 4,
    # Q33: Centerledelse, Direktion, Fagudvalg Nej 0, Økonomiudvalg Ved ikke 0
    33: F(0 + 0 + 0 + 0, 4),
    34: F(16 * 0, 16),  # Q34: no row at all = no box checked -> 0 (not NULL)
    35: F(0),  # Q35: Nej 0
    36: F(0),  # Q36: Nej 0
    37: F(0),  # Q37: Ved ikke 0
    38: F(0),  # Q38: Nej 0
    39: F(0),  # Q39: Nej 0
    40: F(0),  # Q40: Nej 0
    41: F(0 * 5, 5),  # Q41: four Nej 0, Udgift pr. fuldtidsmodtager Ved ikke 0
    42: F(100, 3),  # Q42: "Ja, ved nogen køb" 33,33
    43: F(0),  # Q43: "For mindre end halvdelen af alle borgere i eksterne tilbud" 0
    44: F(0),  # Q44: Nej 0
    45: F(0),  # Q45: "Praksis varierer på tværs af sagsbehandlere/sager" 0
    46: F(0),  # Q46: "Det sker sjældent, at vi genforhandler prisen, ..." 0
    # Q47: indledende køb "I mindre grad" 100/3, løbende opfølgning "Slet ikke" 0
    47: (F(100, 3) + 0) / 2,
}

EXPECTED_QUESTIONS = {825: Q_825, 741: Q_741, 492: Q_492}
MUNICIPALITIES = sorted(EXPECTED_QUESTIONS)
IMPUTED = {(825, 17)}  # the only neutral (imputed) Q17

EXPECTED_THEMES = {
    m: {t: _mean(qs[q] for q in questions) for t, questions in THEMES.items()}
    for m, qs in EXPECTED_QUESTIONS.items()
}
EXPECTED_TOTALS = {m: _mean(qs.values()) for m, qs in EXPECTED_QUESTIONS.items()}
EXPECTED_QUESTIONS_SCORED = {825: 47, 741: 45, 492: 47}

# The same numbers as decimals, for the reader (checked against the fractions above):
#   825: Q17 neutral = mean of the other 46 = 2714.5455/46 = 14930/253 = 59.011857707510;
#        total = mean of all 47 = the same 59.011857707510 (Q17 is the mean of the rest).
#        Themes 1-7: 64.262820512821, 75, 52.469038208169, 77.272727272727, 51.909722222222,
#        56.666666666667, 55.555555555556; their mean is 61.876647205452 != the total.
#   741: 45 scored questions (Q2, Q44 NULL), sum 3287.738095, total 27617/378 = 73.060846560847;
#        themes 78.244047619048, 66.666666666667, 88, 28.571428571429, 72.916666666667, 60,
#        83.333333333333.
#   492: 47 scored questions, sum 147.840909, total 6505/2068 = 3.145551257253;
#        themes 2.788461538462, 8.333333333333, 1.333333333333, 4.545454545455, 1.736111111111,
#        0, 8.333333333333.
DOCUMENTED = {
    (825, "total"): 59.011857707510,
    (825, "mean_of_themes"): 61.876647205452,
    (741, "total"): 73.060846560847,
    (492, "total"): 3.145551257253,
}


def _close(actual, expected) -> bool:
    if expected is None:
        return actual is None
    return actual is not None and abs(float(actual) - float(expected)) <= TOL


# --------------------------------------------------------------------------------------------
# Self-check of the hand values (no warehouse needed).
# --------------------------------------------------------------------------------------------


def test_hand_values_are_complete_and_consistent():
    for m, qs in EXPECTED_QUESTIONS.items():
        assert sorted(qs) == list(range(1, 48)), m
        for q, v in qs.items():
            assert v is None or 0 <= v <= 100, (m, q, v)
    assert {m: sum(v is not None for v in qs.values()) for m, qs in EXPECTED_QUESTIONS.items()} == (
        EXPECTED_QUESTIONS_SCORED
    )
    # Q17 neutral is the mean of the other 46, so 825's total equals its Q17 score.
    assert EXPECTED_TOTALS[825] == Q_825[17]
    mean_of_themes = _mean(EXPECTED_THEMES[825].values())
    for (m, what), value in DOCUMENTED.items():
        got = mean_of_themes if what == "mean_of_themes" else EXPECTED_TOTALS[m]
        assert abs(float(got) - value) < 1e-9, (m, what, float(got), value)
    assert abs(EXPECTED_TOTALS[825] - mean_of_themes) > 1


# --------------------------------------------------------------------------------------------
# End to end: dbt build on the fixture, then compare the marts with the hand values.
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(request):
    """The hand fixture's build on each target, published: the DuckDB warehouse file (`dbt
    build`), or the PostgreSQL database (`styringsoverblik build --target postgres`)."""
    if request.param == "duckdb":
        return request.getfixturevalue("hand_build").db_path
    return request.getfixturevalue("postgres_hand_build")


def _query(warehouse, sql: str) -> list[dict]:
    """Rows of `sql` on either target; `{marts}` names the schema that holds the marts."""
    if isinstance(warehouse, PostgresBuild):
        return warehouse.query(sql.format(marts=warehouse.marts_schema))
    return query(warehouse, sql.format(marts="marts"))


def _rows(db_path, mart: str, municipality: int, key: str) -> dict[int, dict]:
    """One municipality's rows of a mart for the survey year, keyed by `key`."""
    rows = _query(
        db_path,
        f"select * from {{marts}}.{mart} where survey_year = {YEAR} "
        f"and municipality_code = {municipality} order by {key}",
    )
    by_key = {int(row[key]): row for row in rows}
    assert len(by_key) == len(rows), f"duplicate {key} in {mart} for {municipality}"
    return by_key


def test_only_the_three_fixture_municipalities(warehouse):
    rows = _query(
        warehouse,
        "select municipality_code, survey_year from {marts}.fct_total_scores order by 1",
    )
    assert sorted((int(r["municipality_code"]), int(r["survey_year"])) for r in rows) == [
        (492, YEAR),
        (741, YEAR),
        (825, YEAR),
    ]


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_question_scores(warehouse, municipality):
    rows = _rows(warehouse, "fct_question_scores", municipality, "question_no")
    assert sorted(rows) == list(range(1, 48)), "expected one row per question (47)"
    expected = EXPECTED_QUESTIONS[municipality]
    wrong = {
        q: (rows[q]["score"], None if expected[q] is None else float(expected[q]))
        for q in range(1, 48)
        if not _close(rows[q]["score"], expected[q])
    }
    assert not wrong, f"{municipality}: question -> (warehouse, by hand): {wrong}"


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_question_themes_and_imputation_flag(warehouse, municipality):
    rows = _rows(warehouse, "fct_question_scores", municipality, "question_no")
    for theme, questions in THEMES.items():
        for q in questions:
            assert int(rows[q]["theme_no"]) == theme, (municipality, q)
            assert bool(rows[q]["is_imputed"]) == ((municipality, q) in IMPUTED), (
                municipality,
                q,
            )


def test_partly_answered_questions_count_only_answered_items(warehouse):
    rows = _rows(warehouse, "fct_question_scores", 741, "question_no")
    assert int(rows[7]["items_answered"]) == 7  # § 97, § 104, § 108 have no row
    assert int(rows[23]["items_answered"]) == 7  # 4 of 11 technologies have no row


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_theme_scores(warehouse, municipality):
    rows = _rows(warehouse, "fct_theme_scores", municipality, "theme_no")
    assert sorted(rows) == list(THEMES)
    expected = EXPECTED_THEMES[municipality]
    wrong = {
        t: (rows[t]["score"], float(expected[t]))
        for t in THEMES
        if not _close(rows[t]["score"], expected[t])
    }
    assert not wrong, f"{municipality}: theme -> (warehouse, by hand): {wrong}"
    scored = {t: int(rows[t]["questions_scored"]) for t in THEMES}
    assert scored == {
        t: sum(EXPECTED_QUESTIONS[municipality][q] is not None for q in qs)
        for t, qs in THEMES.items()
    }


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
def test_total_scores(warehouse, municipality):
    rows = _query(
        warehouse,
        f"select * from {{marts}}.fct_total_scores where survey_year = {YEAR} "
        f"and municipality_code = {municipality}",
    )
    assert len(rows) == 1
    (row,) = rows
    assert _close(row["score"], EXPECTED_TOTALS[municipality]), (
        row["score"],
        float(EXPECTED_TOTALS[municipality]),
    )
    assert int(row["questions_scored"]) == EXPECTED_QUESTIONS_SCORED[municipality]


def test_total_is_mean_of_questions_not_mean_of_themes(warehouse):
    # 825: total = 59.0119 (mean of its 47 question scores), while the mean of its seven theme
    # scores is 61.8766; a warehouse averaging the themes would be off by about 2.86.
    themes = _rows(warehouse, "fct_theme_scores", 825, "theme_no")
    mean_of_themes = sum(float(r["score"]) for r in themes.values()) / len(themes)
    (total,) = _query(
        warehouse,
        f"select score from {{marts}}.fct_total_scores where survey_year = {YEAR} "
        "and municipality_code = 825",
    )
    assert abs(mean_of_themes - DOCUMENTED[(825, "mean_of_themes")]) <= TOL
    assert _close(total["score"], EXPECTED_TOTALS[825])
    assert abs(total["score"] - mean_of_themes) > 1
