"""Doses in prose: every dose in a table of monograph sentences is found, with its exact text;
thresholds, levels, ages, durations and names with digits are not; the starter formulary has
none; and the offsets are consistent for any text."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from clincalc_site.content import prose_dose
from clincalc_site.content.models import PROSE_LISTS, PROSE_TEXTS
from clincalc_site.content.prose_dose import ProseDose, find_prose_doses

MONOGRAPHS = Path(__file__).resolve().parents[2] / "monographs"
PROSE_FIELDS = (*PROSE_TEXTS, *PROSE_LISTS)  # every field of prose, the safety sections too

DOSES: list[tuple[str, list[str]]] = [
    # Counselling: dose forms counted in words or digits.
    ("Take one tablet twice a day with food.", ["one tablet"]),
    ("Half a tablet at night is often enough to start.", ["Half a tablet"]),
    ("Use two puffs when required for breathlessness.", ["two puffs"]),
    ("Take 1–2 tablets every 4 to 6 hours when needed.", ["1–2 tablets"]),
    ("Take 1-2 tablets at bedtime.", ["1-2 tablets"]),
    ("One or two tablets may be taken up to four times a day.", ["One or two tablets"]),
    ("Insert one pessary high into the vagina at night.", ["one pessary"]),
    ("Use one spray into each nostril twice daily.", ["one spray"]),
    ("Instil one drop into the affected eye every two hours.", ["one drop"]),
    ("Give two 5 mL spoonfuls after meals.", ["two 5 mL spoonfuls"]),
    ("Dissolve one sachet in half a glass of water and drink it straight away.", ["one sachet"]),
    ("Take a tablet at the same time each day.", ["a tablet"]),
    ("Apply a patch every 72 hours to clean, hairless skin.", ["a patch"]),
    ("Chew a tablet when heartburn starts.", ["a tablet"]),
    ("Take two 500 mg tablets with a glass of water.", ["two 500 mg tablets"]),
    ("Swallow two modified-release capsules each morning.", ["two modified-release capsules"]),
    ("Suck one lozenge every 2 hours while symptoms last.", ["one lozenge"]),
    ("Insert one suppository into the back passage at night.", ["one suppository"]),
    ("Inhale four inhalations twice daily through the spacer.", ["four inhalations"]),
    ("It is given as one injection every 3 months.", ["one injection"]),
    ("Give the contents of one vial by slow injection.", ["one vial"]),
    ("Take one and a half tablets on alternate days.", ["one and a half tablets"]),
    ("Take ½ tablet at night for the first week.", ["½ tablet"]),
    ("Children may take a quarter of a tablet.", ["a quarter of a tablet"]),
    ("Take three capsules a day, spaced evenly.", ["three capsules"]),
    ("Use 1 or 2 puffs before exercise.", ["1 or 2 puffs"]),
    ("Take two at night if pain keeps you awake.", ["two"]),
    # Prescribing: amounts with a dose unit.
    ("Start at 2.5 mg once daily and review after two weeks.", ["2.5 mg"]),
    ("A loading dose of 300 mg is followed by a daily maintenance dose.", ["300 mg"]),
    ("Give 10 units subcutaneously before the evening meal.", ["10 units"]),
    ("The usual adult dose is 1 g four times a day.", ["1 g"]),
    ("Avoid doses above 20 mg in older people.", ["20 mg"]),
    ("The maintenance dose is usually 75–150 micrograms daily.", ["75–150 micrograms"]),
    ("Increase to 5 mg twice daily after a week if tolerated.", ["5 mg"]),
    ("Up to 4 g a day may be given in divided doses.", ["4 g"]),
    ("The dose is 15 mg/kg every 8 hours.", ["15 mg/kg"]),
    ("Give 75 mg/m² on day 1 of each cycle.", ["75 mg/m²"]),
    ("Run the infusion at 2 mg/hour and titrate to response.", ["2 mg/hour"]),
    ("Start the infusion at 10 mL/hour.", ["10 mL/hour"]),
    ("Give 500 mL of sodium chloride 0.9% over an hour.", ["500 mL"]),
    (
        "A single dose of 1.2 million units is given by deep intramuscular injection.",
        ["1.2 million units"],
    ),
    ("Add 20 mmol of potassium chloride to each litre.", ["20 mmol"]),
    ("Vitamin D 400 IU daily is advised in pregnancy.", ["400 IU"]),
    ("Titrate from 100 nanograms/kg/minute.", ["100 nanograms/kg/minute"]),
    ("Dopamine is started at 5 micrograms/kg/min.", ["5 micrograms/kg/min"]),
    ("Reduce from 2.5 mg to 5 mg only if needed.", ["2.5 mg", "5 mg"]),
    ("Doses between 5 and 10 mg are usual.", ["5 and 10 mg"]),
    ("Give 5,000 units twice daily for prophylaxis.", ["5,000 units"]),
    ("Give a maximum of 60 mg/day.", ["60 mg/day"]),
    ("Take 3 g/day in divided doses.", ["3 g/day"]),
    ("The dose is 5 mg per kg body weight.", ["5 mg per kg"]),
    ("Give 10 mL of the oral solution.", ["10 mL"]),
    ("The 10 mg tablet is scored.", ["10 mg"]),
    ("Give 100 units/kg as a bolus.", ["100 units/kg"]),
    ("Reduce to 15 mg when creatinine clearance is 15–49 mL/min.", ["15 mg"]),
    ("If body weight is below 60 kg, give 30 mg.", ["30 mg"]),
    ("Take five milligrams at night.", ["five milligrams"]),
    ("The adult dose is two grams daily.", ["two grams"]),
    ("Give fluids and 1 g of paracetamol.", ["1 g"]),
    ("Take 10 mg daily; take 20 mg if symptoms return.", ["10 mg", "20 mg"]),
    # Typography: emphasis, no space, non-breaking and thin spaces, middle-dot decimal.
    ("Give **250 mg** twice daily.", ["250 mg"]),
    ("Start with 10mg at night.", ["10mg"]),
    ("Take 5\u00a0mg, then 10\u2009mg.", ["5\u00a0mg", "10\u2009mg"]),
    ("Take 2·5 mg each morning.", ["2·5 mg"]),
    ("Never write .5 mg.", [".5 mg"]),
    ("See the [SmPC](https://example.org/smpc/5mg-tablets): 1 g is enough.", ["1 g"]),
]

NOT_DOSES: list[str] = [
    # Renal function, levels, concentrations and ratios.
    "Reduce the dose if eGFR is below 30 mL/min.",
    "Avoid if eGFR is 30–50 mL/min/1.73 m².",
    "Use with caution if eGFR is 15 to 29 mL/min.",
    "Creatinine clearance of 30–50 mL/minute needs a review.",
    "Keep lithium levels between 0.4 and 1.0 mmol/L.",
    "Check INR 2–3 at each visit.",
    "Stop if neutrophils fall below 1 × 10⁹/L.",
    "Withhold if platelets are below 50 × 10⁹/L.",
    "Interrupt if neutrophils are below 1.0 x 10^9/L.",
    "Aim for an HbA1c of 48 mmol/mol.",
    "Refer if ACR is over 3 mg/mmol.",
    "Stop if serum potassium rises above 6.0 mmol/L.",
    "Check sodium if it falls below 130 mmol/L.",
    "Aim for a trough level above 15 mg/L.",
    "Toxicity is likely with digoxin concentrations above 2 micrograms/L.",
    "A troponin above 14 ng/L suggests myocardial injury.",
    "Transfuse if haemoglobin is below 80 g/L.",
    "A haemoglobin of 8 g/dL is low.",
    "The oral solution contains 5 mg/mL.",
    "Insulin is supplied at 100 units/mL.",
    "The 250 mg/5 mL suspension contains sugar.",
    "Seek advice if urine output falls below 0.5 mL/kg/hour.",
    "It has a volume of distribution of about 1.4 L/kg.",
    "Clearance is about 10 L/hour in healthy adults.",
    "Exposure rises to an AUC of 20 mg·h/L.",
    "Urinary sodium of 40 mmol/24 hours suggests adherence to the diet.",
    "Keep oxygen saturation in range with oxygen at 2 L/min.",
    # People: ages, weights, body surface, blood pressure, temperature, counts and risks.
    "Not for children under 12 years.",
    "It is not licensed for people aged 18 or under, or in under-18s.",
    "Consider a lower dose in people over 65.",
    "Use with caution in people weighing less than 50 kg.",
    "Report a weight gain of more than 2 kg in 3 days.",
    "Premature babies with a birth weight under 2500 g were excluded.",
    "Offered to people with a BMI of 30 kg/m² or more.",
    "Treat if blood pressure stays above 140/90 mmHg.",
    "Seek advice if temperature is above 38 °C.",
    "Stop if the QTc is over 500 ms.",
    "Withhold if heart rate falls below 50 beats per minute.",
    "Diarrhoea affects more than 1 in 10 people.",
    "Serious reactions occur in fewer than 1 in 1,000 people.",
    "It caused a 20% relative risk reduction.",
    "The hazard ratio was 0.79 (95% CI 0.66 to 0.95).",
    "Two trials reported a median survival of 5.2 months.",
    "Grade 3 or 4 neutropenia is common.",
    # Durations, times, dates and schedules without an amount.
    "Contraception for at least four weeks after the last dose.",
    "Continue for five weeks, then review.",
    "Give for 3 months, then reassess.",
    "Treatment usually lasts 14 days.",
    "It is taken on days 1 to 21 of each 28-day cycle.",
    "Take it at 08:00 each day.",
    "The guideline was updated in 2019.",
    "Two doses are given four weeks apart.",
    "Do not take a double dose to make up for a missed one.",
    "Take it regularly and do not miss doses.",
    "It was compared with low-dose dexamethasone.",
    # Names with digits.
    "It was studied in ENGAGE AF-TIMI 48 and DECLARE-TIMI 58.",
    "The MM-003 trial and RE-LY were pivotal; the 4S trial and IRMA-2 also.",
    "NICE NG28 and TA427 apply; see also NG136.",
    "Test for HLA-B\\*1502 before starting, and for HLA-B*5801.",
    "It is metabolised by CYP3A4 and CYP2D6 and inhibits CYP2C19.",
    "An SGLT2 inhibitor that blocks the AT1 receptor is fictional.",
    "It blocks beta-1 and beta-2 adrenoceptors and 5-HT3 receptors.",
    "Check for G6PD deficiency.",
    "It is used in type 2 diabetes but not in type 1 diabetes.",
    "Long-term use can cause vitamin B12 deficiency.",
    "Avoid in NYHA class II to IV heart failure.",
    "It is used in stage 3 chronic kidney disease.",
    # Diet, alcohol, diluents and pack sizes.
    "Limit salt intake to less than 6 g a day.",
    "Drink no more than 14 units of alcohol a week.",
    "Keep alcohol within limits (no more than 14 units a week).",
    "Don't drink more than 14 units a week.",
    "Drink at least 2 litres of fluid a day.",
    "Maintain fluid intake (about 2–3 litres a day).",
    "If a hypo occurs, take 15–20 g of a fast-acting carbohydrate.",
    "Have no more than 400 mg of caffeine a day.",
    "Dissolve the sachet in 100 mL of water.",
    "It is supplied in packs of 28 tablets.",
    "No more than 32 tablets per pack may be sold.",
    # Dose forms that are not counted amounts.
    "Swallow the tablets whole, before a meal.",
    "It is available as a tablet and an oral solution.",
    "It is given as an injection into the thigh.",
    "Rotate injection sites and report an injection site reaction.",
    "The higher tablet strengths must be taken with food; two tablet strengths exist.",
    "Confirm the allergy with a patch test.",
    "Avoid applying to patches of broken skin.",
    "It can cause a drop in blood pressure.",
    "Use a nasal spray device.",
]


@pytest.mark.parametrize(("text", "expected"), DOSES)
def test_dose_is_found(text: str, expected: list[str]) -> None:
    assert [dose.found for dose in find_prose_doses(text)] == expected


@pytest.mark.parametrize("text", NOT_DOSES)
def test_not_a_dose(text: str) -> None:
    assert find_prose_doses(text) == []


def test_table_is_large_enough() -> None:
    assert len(DOSES) >= 45
    assert len(NOT_DOSES) >= 45


def test_offsets_point_at_the_dose() -> None:
    text = "Start at 2.5 mg once daily; take one tablet at night and two puffs when needed."
    assert find_prose_doses(text) == [
        ProseDose(9, 15, "2.5 mg"),
        ProseDose(33, 43, "one tablet"),
        ProseDose(57, 66, "two puffs"),
    ]


def test_finding_is_frozen() -> None:
    dose = find_prose_doses("Give 5 mg.")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        dose.start = 0  # type: ignore[misc]


def assert_consistent(text: str, doses: list[ProseDose]) -> None:
    end = 0
    for dose in doses:
        assert text[dose.start : dose.end] == dose.found
        assert end <= dose.start < dose.end
        end = dose.end


@pytest.mark.parametrize("text", [text for text, _ in DOSES] + NOT_DOSES)
def test_table_offsets_are_consistent(text: str) -> None:
    assert_consistent(text, find_prose_doses(text))


# Pieces of dose language, so generated text often comes close to a dose.
FRAGMENTS = st.sampled_from(
    [
        " ", "1", "2.5", "–", "-", " to ", "one", "half a", " mg", "mg", " g", " mL", "/min",
        "/kg", "/L", " units", " tablet", "s", " of alcohol", "take ", "a ", "[x](https://",
        ")", "×", "10⁹", "\u00a0", "**", "eGFR ", "weighing ", "packs of ", ",000", ".", "·",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(FRAGMENTS | st.text(max_size=4), max_size=12).map("".join))
def test_offsets_are_consistent_near_doses(text: str) -> None:
    assert_consistent(text, find_prose_doses(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_safe(text: str) -> None:
    assert_consistent(text, find_prose_doses(text))


def prose_of(path: Path) -> list[tuple[str, str]]:
    """(field, text) for every prose string of one monograph."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    strings: list[tuple[str, str]] = []
    for field in PROSE_FIELDS:
        value = data.get(field)
        values = value if isinstance(value, list) else [value]
        strings += [(field, text) for text in values if isinstance(text, str)]
    return strings


def test_starter_formulary_has_no_doses_in_prose() -> None:
    paths = sorted(MONOGRAPHS.glob("*.yaml"))
    assert paths, f"no monographs in {MONOGRAPHS}"
    findings = {
        f"{path.name}: {field}": [dose.found for dose in find_prose_doses(text)]
        for path in paths
        for field, text in prose_of(path)
        if find_prose_doses(text)
    }
    assert findings == {}


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=127), max_size=60), st.sampled_from(["one", "take"]))
def test_the_quick_ascii_split_finds_the_same_words_as_the_letter_pattern(
    noise: str, word: str
) -> None:
    """The shortcut that skips text without numbers or dosing verbs must never skip a dose."""
    text = f"{noise}{word}{noise}"
    folded = set(prose_dose._WORDS.findall(text.casefold()))
    assert prose_dose._hints(text) == (
        not folded.isdisjoint(prose_dose._NUMBER_WORDS)
        or prose_dose._DIGIT_HINT.search(prose_dose._URL.sub(" ", text)) is not None,
        not folded.isdisjoint(prose_dose._VERB_WORDS),
    )
