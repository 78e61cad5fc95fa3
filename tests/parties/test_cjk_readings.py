"""Names in Chinese characters, Hangul and Arabic script: the Korean reading, syllable-exact comparison,
and the false matches they must not bring."""

import pytest

from kordon.index.hanja import initial_sound_rule, korean_readings, table
from kordon.index.names import name_key, readings
from kordon.index.parties import ListedEntity, PartyIndex, Query
from kordon.index.party_features import compare_names


def _top(query: str, listed: str, schema: str = "Person", query_schema: str | None = "Person") -> float:
    found, _ = PartyIndex([ListedEntity("t", "t-1", schema, listed, [listed])]).match(Query(query, query_schema), limit=1)
    return found[0].score if found else 0.0


def test_the_table_is_unihan_khangul():
    t = table()
    assert len(t) > 8000
    assert ("김", "0N") in t["金"] and ("금", "0E") in t["金"]


@pytest.mark.parametrize("name,expected", [
    ("金正恩", ("김 정은",)),  # 金 as a surname reads 김, not 금
    ("李金", ("리 금", "이 금")),  # ... and 금 in a given name; 李: the North's 리 first, then the South's 이
    ("盧武鉉", ("로 무현", "노 무현")),  # the initial-sound rule: ㄹ → ㄴ before other vowels
    ("沈在哲", ("심 재철",)),  # 沈 as a surname is 심 (침 otherwise)
    ("南宮玉分", ("남궁 옥분",)),  # a two-character surname
    ("金 正恩", ("김 정은",)),  # written apart
])
def test_korean_readings(name, expected):
    assert korean_readings(name) == expected


@pytest.mark.parametrize("name", ["习近平", "金", "金正恩金正恩", "山田たろう", "A金正"])
def test_no_korean_reading_where_it_is_not_plausible(name):
    # Simplified characters (no Korean name is written in them), one character, more than four, kana, Latin.
    assert korean_readings(name) == ()
    assert not any("\uac00" <= ch <= "\ud7a3" for r in readings(name) for ch in r)


def test_initial_sound_rule():
    assert [initial_sound_rule(s) for s in "리로녀량김"] == list("이노여양김")


def test_kim_jong_un_in_chinese_characters_meets_the_latin_and_hangul_names():
    assert compare_names("金正恩", "Kim Jong Un", True) >= 0.9
    assert compare_names("金正恩", "KIM Jong-un", True) >= 0.9
    assert compare_names("金正恩", "김정은", True) >= 0.9
    assert compare_names("金正恩", "Kim Jong Eun", True) >= 0.9  # eu/u: the romanisations disagree on ŭ
    assert compare_names("李雪主", "RI Sol Ju", True) >= 0.9
    # The Mandarin reading stays.
    assert compare_names("金正恩", "Jin Zhengen", True) >= 0.9


def test_kim_jong_un_in_chinese_characters_finds_the_listed_entry(shipped_index):
    found, _ = shipped_index.match(Query("金正恩", "Person"), limit=3)
    assert found and found[0].score >= 0.9 and "jong" in found[0].matched_name.casefold()


@pytest.mark.parametrize("query,listed", [
    ("张璐", "ZHANG, Lei"),  # one vowel apart is another syllable: lu / lei
    ("杨凯", "YANG, Qi"),  # kai / qi
    ("王利", "WANG, Yunhe"),  # the Korean reading 이 is a syllable, not an initial of Yunhe
    ("李静", "RI, Jong Won"),  # Korean reading 리 정: a listed third syllable is another given name
    ("陈平", "CHEN, Guo Ping"),  # the same in Mandarin
    ("김성현", "KIM, Song Hun"),  # Hangul: 현 hyon is not 훈 hun
    ("何雷", "Khano"),  # the Korean reading run together (ha no) is not a one-word name
])
def test_chinese_and_korean_names_one_syllable_apart_are_not_a_match(query, listed):
    assert _top(query, listed) < 0.9


def test_korean_spelling_variants_still_meet():
    assert compare_names("김정철", "Kim Jong Chul", True) >= 0.9  # ŏ written o or u
    assert compare_names("박지성", "Park Ji Sung", True) >= 0.4


def test_arabic_vowel_points_do_not_split_a_word():
    assert name_key("ريّان").tokens == name_key("ريان").tokens
    assert name_key("مُحَمَّد").tokens == name_key("محمد").tokens


@pytest.mark.parametrize("query,listed", [
    ("آوا محمدی", "Mahmud"),  # Ava has no consonant: it still counts as a part of the name
    ("اسرا اشرفی", "Ammar AL-SHARIF"),  # the skeleton "sr" of Asra is not the title Sr.
    ("عمر البيطار", "BITAR"),  # ... nor "mr" of Omar the title Mr
])
def test_arabic_script_parts_are_not_dropped(query, listed):
    assert _top(query, listed) < 0.9


def test_arabic_script_still_meets_its_latin_spelling():
    assert _top("صدام حسين التكريتي", "SADDAM HUSSEIN AL-TIKRITI") >= 0.9
    assert _top("عمر البشير", "Omar al-Bashir") >= 0.9


def test_a_person_is_not_a_firm_named_with_a_legal_form():
    assert _top("Miran", "MIRAN LLC", schema="LegalEntity") == 0.0
    assert _top("Miran", "MIRAN LLC", schema="LegalEntity", query_schema=None) >= 0.9
    assert _top("Miran", "MIRAN", schema="LegalEntity") >= 0.9  # no legal form: the list does not say it is a firm
    # A sole trader is a person trading under their own name.
    assert _top("Иванов Иван Петрович", "ИП Иванов Иван Петрович", schema="LegalEntity") >= 0.9


# --- organisation names: legal forms and abbreviations as registers and clerks write them -------------

@pytest.mark.parametrize("query,listed", [
    ("Siemens Aktiengeselschaft", "Siemens AG"),  # a misspelt long legal form
    ("TACTICAL MISSILES CORPORATION JOINT STOCK COMPAN", "TACTICAL MISSILES CORPORATION JOINT STOCK COMPANY"),  # cut off
    ("First Bank Int'l", "First International Bank"),  # an abbreviated word
    ("Societatea cu Răspundere Limitată PRO TRAFFIC", "SRL PRO TRAFFIC"),  # a legal form with accents
    ("Müller GmbH", "MUELLER GMBH"),  # a legal form in mixed case is one word
])
def test_legal_forms_and_abbreviations_as_written(query, listed):
    assert compare_names(query, listed, False) >= 0.9


def test_legal_form_slips_do_not_eat_ordinary_words():
    assert name_key("Speed Limit").tokens == ("sped", "limit")
    assert name_key("Corporate Finance").legal_forms == ()
    assert name_key("Müller GmbH").legal_forms == ("gmbh",)
    assert compare_names("Siemens GmbH", "Siemens AG", False) < 0.9  # different forms still disagree


def test_the_explanation_says_which_side_was_read():
    found, _ = PartyIndex([ListedEntity("t", "t-1", "Person", "KIM, Jong Un", ["KIM, Jong Un"])]).match(Query("金正恩", "Person"), limit=1)
    assert found and found[0].score >= 0.9
    assert "(query read as '김 정은')" in found[0].explanation[0]
    found, _ = PartyIndex([ListedEntity("t", "t-1", "Person", "金正恩", ["金正恩"])]).match(Query("Kim Jong Un", "Person"), limit=1)
    assert found and found[0].score >= 0.9
    assert "(listed name read as '김 정은')" in found[0].explanation[0]
