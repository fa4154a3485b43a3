"""Resident ID numbers and phone numbers: parsing, validation, masking and normalising."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from registry.idnumber import (
    IdNumberInfo,
    id_check_character,
    make_id_number,
    mask_id_number,
    normalise_phone,
    parse_id_number,
    validate_id_number,
    validate_phone,
)

# Verified by hand.
# 11010519491231002X, the classic example (Beijing Chaoyang, 1949-12-31, sequence 002):
#   weighted sum of the first 17 digits
#   1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 7*1 + 2*9 + 3*10 + 1*5
#   + 0*8 + 0*4 + 2*2 = 167; 167 mod 11 = 2; "10X98765432"[2] = "X".
CLASSIC = "11010519491231002X"
# 360102201506011235 (Nanchang Donghu, 2015-06-01, sequence 123):
#   3*7 + 6*9 + 0*10 + 1*5 + 0*8 + 2*4 + 2*2 + 0*1 + 1*6 + 5*3 + 0*7 + 6*9 + 0*10 + 1*5
#   + 1*8 + 2*4 + 3*2 = 194; 194 mod 11 = 7; "10X98765432"[7] = "5".
NANCHANG_BOY = "360102201506011235"
# 440524188001010014, a much-quoted example: check digit right (sum 195, mod 11 = 8 -> "4"),
# but born 1880-01-01, before 1900.
BORN_1880 = "440524188001010014"


def error_code(value):
    with pytest.raises(ValidationError) as caught:
        parse_id_number(value)
    return caught.value.code


def english_message(error):
    with translation.override("en"):
        return error.messages[0]


# Valid numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "number", "area_code", "birth_date", "sex"),
    [
        (CLASSIC, CLASSIC, "110105", date(1949, 12, 31), "F"),
        (NANCHANG_BOY, NANCHANG_BOY, "360102", date(2015, 6, 1), "M"),
        ("11010519491231002x", CLASSIC, "110105", date(1949, 12, 31), "F"),
        ("  11010519491231002X\n", CLASSIC, "110105", date(1949, 12, 31), "F"),
    ],
    ids=["ends-in-X", "male", "lowercase-x", "surrounding-whitespace"],
)
def test_parses_a_valid_number(value, number, area_code, birth_date, sex):
    assert parse_id_number(value) == IdNumberInfo(number, area_code, birth_date, sex)


def test_hand_checked_check_characters():
    assert id_check_character(CLASSIC[:17]) == "X"
    assert id_check_character(NANCHANG_BOY[:17]) == "5"
    assert id_check_character(BORN_1880[:17]) == "4"


def test_validator_accepts_a_valid_number():
    assert validate_id_number(CLASSIC) is None


def test_repr_does_not_show_the_whole_number():
    assert CLASSIC not in repr(parse_id_number(CLASSIC))


@pytest.mark.parametrize(
    "birth_date",
    [date(1900, 1, 1), date(2000, 2, 29), "today"],
    ids=["first-day-of-1900", "leap-day", "today"],
)
def test_birth_date_limits_are_inclusive(birth_date):
    if birth_date == "today":
        birth_date = timezone.localdate()
    number = make_id_number("360102", birth_date, 2)
    assert parse_id_number(number).birth_date == birth_date


# make_id_number ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "sex"),
    [(0, "F"), (1, "M"), (2, "F"), (123, "M"), (998, "F"), (999, "M")],
)
def test_make_id_number_round_trip(sequence, sex):
    number = make_id_number("360102", date(2012, 9, 1), sequence)
    info = parse_id_number(number)
    assert info.number == number
    assert number[14:17] == f"{sequence:03d}"
    assert info.area_code == "360102"
    assert info.birth_date == date(2012, 9, 1)
    assert info.sex == sex


def test_make_id_number_reproduces_hand_checked_numbers():
    assert make_id_number("110105", date(1949, 12, 31), 2) == CLASSIC
    assert make_id_number("360102", date(2015, 6, 1), 123) == NANCHANG_BOY


@pytest.mark.parametrize(
    ("area_code", "sequence"),
    [("36010", 1), ("3601021", 1), ("36010a", 1), ("360102", -1), ("360102", 1000)],
)
def test_make_id_number_refuses_bad_arguments(area_code, sequence):
    with pytest.raises(ValueError):
        make_id_number(area_code, date(2012, 9, 1), sequence)


@pytest.mark.parametrize("first17", ["1101051949123100", "110105194912310021", "1101051949123100X"])
def test_check_character_needs_17_digits(first17):
    with pytest.raises(ValueError):
        id_check_character(first17)


# Invalid numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        None,
        "11010519491231002",  # 17 characters
        "11010519491231002X0",  # 19 characters
        "X10105194912310020",  # X at the start
        "11010519491231X02X",  # X in the middle
        "11010519491231002Y",  # a letter other than X at the end
        "1101051949123100 2X",  # a space inside
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width characters
    ],
    ids=[
        "empty",
        "none",
        "too-short",
        "too-long",
        "x-first",
        "x-inside",
        "y-last",
        "inner-space",
        "full-width",
    ],
)
def test_refuses_bad_format(value):
    assert error_code(value) == "id_format"


@pytest.mark.parametrize(
    "first17",
    [
        "11010520230230001",  # 30 February
        "11010520230229001",  # 29 February in a common year
        "11010520231301001",  # month 13
        "11010520230000001",  # month 0
        "11010520230100001",  # day 0
        "11010520230431001",  # 31 April
    ],
    ids=["feb-30", "feb-29-common-year", "month-13", "month-0", "day-0", "apr-31"],
)
def test_refuses_impossible_birth_date(first17):
    # A correct check character, so the date is the only thing wrong.
    assert error_code(first17 + id_check_character(first17)) == "id_birth_date"


def test_impossible_date_message_shows_the_date():
    with pytest.raises(ValidationError) as caught:
        parse_id_number("11010520230230001" + id_check_character("11010520230230001"))
    assert english_message(caught.value) == (
        "The birth date in this ID number (2023-02-30) is not a real date."
    )


@pytest.mark.parametrize(
    "birth_date",
    ["tomorrow", date(2999, 1, 1)],
    ids=["tomorrow", "year-2999"],
)
def test_refuses_future_birth_date(birth_date):
    if birth_date == "tomorrow":
        birth_date = timezone.localdate() + timedelta(days=1)
    assert error_code(make_id_number("110105", birth_date, 2)) == "id_birth_date"


@pytest.mark.parametrize(
    "value",
    [BORN_1880, make_id_number("110105", date(1899, 12, 31), 1)],
    ids=["1880", "last-day-of-1899"],
)
def test_refuses_birth_date_before_1900(value):
    assert error_code(value) == "id_birth_date"


@pytest.mark.parametrize(
    "value",
    ["110105194912310021", "110105194912310020", "360102201506011236", "36010220150601123X"],
)
def test_refuses_wrong_check_digit(value):
    assert error_code(value) == "id_check_digit"


def test_check_digit_message():
    with pytest.raises(ValidationError) as caught:
        validate_id_number("110105194912310021")
    assert caught.value.code == "id_check_digit"
    assert english_message(caught.value) == (
        "The last character of this ID number does not match the others (check digit). "
        "Please check the number."
    )


def test_format_message():
    with pytest.raises(ValidationError) as caught:
        validate_id_number("12345")
    assert english_message(caught.value) == (
        "A resident ID number has 18 characters: 17 digits and a final digit or X."
    )


# Masking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (CLASSIC, "110105********002X"),
        (NANCHANG_BOY, "360102********1235"),
        (" 11010519491231002x ", "110105********002X"),
        ("", ""),
        (None, ""),
        ("12345", "***45"),
        ("1101051949123100", "**************00"),
        ("12", "**"),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


# Phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("13800138000", "13800138000"),
        ("19912345678", "19912345678"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("  13800138000 ", "13800138000"),
        ("0791-12345678", "0791-12345678"),
        ("0791 12345678", "0791-12345678"),
        ("079112345678", "0791-12345678"),
        ("0791-1234567", "0791-1234567"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("021 61234567", "021-61234567"),
        ("0791-12345678-123", "0791-12345678-123"),
        ("0791-12345678转123", "0791-12345678-123"),
        ("0791-12345678 转 8001", "0791-12345678-8001"),
    ],
)
def test_accepts_and_normalises_phone(value, normalised):
    assert validate_phone(value) is None
    assert normalise_phone(value) == normalised


@pytest.mark.parametrize(
    "value",
    [
        "",
        "12345678",  # no area code
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "12800138000",  # mobiles do not start 12
        "23800138000",  # nor 2
        "+8713800138000",  # another country
        "13800138000-123",  # mobiles have no extension
        "791-12345678",  # area code without its 0
        "0791-123456",  # local number too short
        "0791-123456789",  # local number too long
        "0791-12345678转",  # empty extension
        "0791-12345678#123",  # unknown extension separator
        "+86 0791-12345678",  # +86 only before mobiles
        "138OO138OOO",  # letters O for zeros
        "１３８００１３８０００",  # full-width digits
    ],
)
def test_refuses_bad_phone(value):
    with pytest.raises(ValidationError) as caught:
        validate_phone(value)
    assert caught.value.code == "phone"
    assert english_message(caught.value) == (
        "Enter a mobile number (11 digits) or a landline with its area code, e.g. 0791-12345678."
    )


@pytest.mark.parametrize("value", ["", "   ", None])
def test_normalise_phone_leaves_blank_empty(value):
    assert normalise_phone(value) == ""


def test_normalise_phone_refuses_bad_phone():
    with pytest.raises(ValidationError) as caught:
        normalise_phone("12345678")
    assert caught.value.code == "phone"


def test_a_student_number_holding_an_id_number_is_masked_like_it():
    from registry.idnumber import mask_student_number

    assert mask_student_number("G11010520160312002X") == "G110105********002X"
    assert mask_student_number("g110105201603120021") == "g110105********0021"
    # A school's own numbering carries no ID number: shown as it is.
    assert mask_student_number("2016-0312") == "2016-0312"
    assert mask_student_number(None) == ""
