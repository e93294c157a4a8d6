"""The citizen ID card (CCCD) QR parser: good strings, odd ones that scanners send, and strings
that cannot be a card (each refused with a Vietnamese message for the officer).

Pure: no database. ``today`` is fixed so that the dates do not age.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.cccd import CCCDError, CitizenCard, parse_cccd_qr

TODAY = date(2026, 11, 29)
GOOD = "001095012345|123456789|Nguyễn Thị Lan|15031995|Nữ|Số 12, thôn Đông, xã Hạnh Phúc|10042021"
LAN = CitizenCard(
    id_number="001095012345",
    old_id_number="123456789",
    name="Nguyễn Thị Lan",
    birth_date=date(1995, 3, 15),
    gender="female",
    address="Số 12, thôn Đông, xã Hạnh Phúc",
    issued_on=date(2021, 4, 10),
)
# Letters that only Vietnamese has: a message with one of them is in Vietnamese.
VIETNAMESE_LETTERS = set("ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")


@pytest.fixture(autouse=True)
def vietnamese():
    translation.activate("vi")
    yield
    translation.deactivate()


def parse(text: str) -> CitizenCard:
    return parse_cccd_qr(text, today=TODAY)


def fields(**changes: str) -> str:
    """The good string with some fields replaced (by their names in the QR layout)."""
    names = ["id", "old", "name", "birth", "gender", "address", "issue"]
    values = dict(zip(names, GOOD.split("|"), strict=True))
    values.update(changes)
    return "|".join(values[n] for n in names)


# --- Good ------------------------------------------------------------------------------------


def test_seven_fields_with_the_old_id():
    assert parse(GOOD) == LAN


def test_empty_old_id():
    card = parse(fields(old=""))
    assert card.old_id_number == ""
    assert card.id_number == "001095012345"


def test_twelve_digit_old_id():
    assert parse(fields(old="001095000111")).old_id_number == "001095000111"


def test_six_fields_without_issue_date():
    card = parse(GOOD.rsplit("|", 1)[0])
    assert card.issued_on is None
    assert card.address == LAN.address


def test_empty_issue_date_field():
    assert parse(fields(issue="")).issued_on is None


def test_as_form_gives_the_applicant_fields():
    assert parse(GOOD).as_form() == {
        "id_number": "001095012345",
        "old_id_number": "123456789",
        "applicant_name": "Nguyễn Thị Lan",
        "birth_date": "1995-03-15",
        "gender": "female",
        "address": "Số 12, thôn Đông, xã Hạnh Phúc",
        "id_issued_on": "2021-04-10",
    }
    assert parse(fields(issue="")).as_form()["id_issued_on"] == ""


def test_male():
    card = parse(fields(name="Trần Văn Minh", gender="Nam"))
    assert (card.name, card.gender) == ("Trần Văn Minh", "male")


# --- Odd but readable --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        GOOD + "\r\n",
        GOOD + "\n",
        GOOD + "\r",
        GOOD + "   ",
        "  " + GOOD + " \t\r\n",
        GOOD + "\x00",
        "\ufeff" + GOOD,  # a byte-order mark from a copied text file
        "\u200b" + GOOD,
    ],
    ids=["crlf", "lf", "cr", "spaces", "both-ends", "nul", "bom", "zero-width-space"],
)
def test_trailing_enter_and_spaces(text):
    assert parse(text) == LAN


def test_spaces_around_fields():
    text = " | ".join(GOOD.split("|"))
    assert parse(text) == LAN


def test_decomposed_unicode_from_a_scanner():
    text = unicodedata.normalize("NFD", GOOD)
    assert text != GOOD  # really decomposed
    card = parse(text)
    assert card == LAN
    assert unicodedata.is_normalized("NFC", card.name)
    assert unicodedata.is_normalized("NFC", card.address)


@pytest.mark.parametrize(
    ("gender", "expected"),
    [
        ("Nữ", "female"),
        ("NỮ", "female"),
        ("nữ", "female"),
        ("Nu", "female"),
        ("NU", "female"),
        ("Nư", "female"),  # the tone mark lost, the horn kept
        (unicodedata.normalize("NFD", "Nữ"), "female"),
        ("Nam", "male"),
        ("nam", "male"),
        ("NAM", "male"),
        (" Nam ", "male"),
    ],
)
def test_genders_as_scanners_send_them(gender, expected):
    assert parse(fields(gender=gender)).gender == expected


def test_double_spaces_in_name_and_address_are_collapsed():
    card = parse(fields(name="Nguyễn  Thị   Lan", address="Số 12,  thôn Đông,\txã Hạnh Phúc"))
    assert card.name == "Nguyễn Thị Lan"
    assert card.address == "Số 12, thôn Đông, xã Hạnh Phúc"


def test_extra_trailing_fields_of_newer_cards_are_ignored():
    assert parse(GOOD + "|Nguyễn Văn Bình|Trần Thị Hoa|") == LAN
    assert parse(GOOD + "|x|y|z|0|1") == LAN


def test_a_child_born_today_with_a_card_issued_today():
    # Cards are issued to children since 2024: birth and issue the same day is possible.
    card = parse(fields(birth=f"{TODAY:%d%m%Y}", issue=f"{TODAY:%d%m%Y}"))
    assert card.birth_date == card.issued_on == TODAY


def test_today_defaults_to_the_local_date():
    # Without ``today`` the parser uses the real local date: an old card is fine.
    assert parse_cccd_qr(GOOD) == LAN


# --- Broken ------------------------------------------------------------------------------------

BROKEN = {
    "empty": "",
    "only-spaces": "   \r\n",
    "random-text": "xin chào, tôi muốn làm giấy khai sinh",
    "url": "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html",
    "url-with-pipes": "https://example.com/?a=1|b=2|c=3|d=4|e=5|f=6",
    "five-fields": "001095012345|123456789|Nguyễn Thị Lan|15031995|Nữ",
    "id-11-digits": fields(id="00109501234"),
    "id-13-digits": fields(id="0010950123456"),
    "id-with-letters": fields(id="00109501234A"),
    "id-full-width-digits": fields(id="００１０９５０１２３４５"),
    "id-empty": fields(id=""),
    "old-id-8-digits": fields(old="12345678"),
    "old-id-10-digits": fields(old="1234567890"),
    "old-id-letters": fields(old="12345678X"),
    "impossible-date": fields(birth="31022000"),
    "month-13": fields(birth="01131990"),
    "zero-date": fields(birth="00000000"),
    "birth-7-digits": fields(birth="1503199"),
    "birth-iso": fields(birth="1995-03-15"),
    "birth-arabic-indic-digits": fields(birth="١٥٠٣١٩٩٥"),
    "birth-in-the-future": fields(birth=f"{TODAY + timedelta(days=1):%d%m%Y}", issue=""),
    "birth-before-1900": fields(birth="31121899"),
    "issue-before-birth": fields(issue="14031995"),
    "issue-in-the-future": fields(issue=f"{TODAY + timedelta(days=1):%d%m%Y}"),
    "issue-impossible": fields(issue="30022021"),
    "issue-garbage": fields(issue="hôm qua"),
    "gender-x": fields(gender="X"),
    "gender-empty": fields(gender=""),
    "gender-other-word": fields(gender="Nam Nữ"),
    "name-with-digits": fields(name="Nguyễn Thị Lan 2"),
    "name-empty": fields(name=""),
    "name-punctuation": fields(name="---"),
    "fields-swapped": "Nguyễn Thị Lan|001095012345|123456789|15031995|Nữ|Số 12|10042021",
    "two-scans-in-one": GOOD + "\n" + GOOD,
}


@pytest.mark.parametrize("text", list(BROKEN.values()), ids=list(BROKEN))
def test_broken_strings_are_refused_with_a_vietnamese_message(text):
    with pytest.raises(CCCDError) as caught:
        parse(text)
    message = str(caught.value)
    assert len(message) > 10
    assert VIETNAMESE_LETTERS & set(message.lower()), message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Chưa có dữ liệu"),
        (BROKEN["five-fields"], "thiếu trường"),
        (BROKEN["id-11-digits"], "12 chữ số"),
        (BROKEN["old-id-8-digits"], "9 hoặc 12 chữ số"),
        (BROKEN["impossible-date"], "Ngày sinh không phải một ngày có thật"),
        (BROKEN["birth-7-digits"], "Ngày sinh không đúng dạng"),
        (BROKEN["birth-in-the-future"], "Ngày sinh trong mã QR không hợp lý"),
        (BROKEN["issue-before-birth"], "Ngày cấp trong mã QR không hợp lý"),
        (BROKEN["gender-x"], "Giới tính"),
        (BROKEN["name-with-digits"], "Họ tên"),
    ],
)
def test_the_message_says_what_is_wrong(text, says):
    with pytest.raises(CCCDError, match=says):
        parse(text)


def test_cccd_error_is_a_value_error():
    # Forms catch ValueError from parsers; the officer sees str(error).
    with pytest.raises(ValueError):
        parse("")


# --- Property: any well-formed card reads back ------------------------------------------------

# No example database: it would leave a .hypothesis/ folder in the work tree.
PROPERTY = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

_LOWER = (
    "abcdeghiklmnopqrstuvxyăâđêôơư" + "àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
_word = st.builds(
    lambda first, rest: first.upper() + rest,
    st.sampled_from(_LOWER),
    st.text(alphabet=_LOWER, min_size=0, max_size=7),
)
_names = st.lists(_word, min_size=2, max_size=5).map(" ".join)
_address_words = st.one_of(
    _word,
    st.text(alphabet=_LOWER, min_size=1, max_size=8),
    st.integers(min_value=1, max_value=999).map(str),
    st.sampled_from(["Số", "thôn", "xã", "phường", "tỉnh", "Tổ 3,", "12/4,", "-", "ấp"]),
)
_addresses = st.lists(_address_words, min_size=1, max_size=12).map(" ".join)
_digits = st.text(alphabet="0123456789", min_size=12, max_size=12)
_old_ids = st.one_of(
    st.just(""),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.text(alphabet="0123456789", min_size=12, max_size=12),
)
_births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)


@st.composite
def cards(draw) -> tuple[str, CitizenCard]:
    birth = draw(_births)
    issued = draw(st.one_of(st.none(), st.dates(min_value=birth, max_value=TODAY)))
    gender = draw(st.sampled_from(["male", "female"]))
    gender_text = draw(
        st.sampled_from(["Nam", "NAM", "nam"] if gender == "male" else ["Nữ", "NỮ", "nữ", "Nu"])
    )
    card = CitizenCard(
        id_number=draw(_digits),
        old_id_number=draw(_old_ids),
        name=draw(_names),
        birth_date=birth,
        gender=gender,
        address=draw(_addresses),
        issued_on=issued,
    )
    parts = [
        card.id_number,
        card.old_id_number,
        card.name,
        f"{birth:%d%m%Y}",
        gender_text,
        card.address,
    ]
    if issued is not None or draw(st.booleans()):
        parts.append(f"{issued:%d%m%Y}" if issued else "")
        # Fields that newer cards carry after the issue date.
        parts += draw(st.lists(st.text(alphabet="abc0123 ", max_size=6), max_size=3))
    text = "|".join(parts) + draw(st.sampled_from(["", "\r\n", "\n", "  "]))
    if draw(st.booleans()):
        text = unicodedata.normalize("NFD", text)
    return text, card


@PROPERTY
@given(cards())
def test_any_well_formed_card_reads_back(case):
    text, card = case
    assert parse(text) == card
