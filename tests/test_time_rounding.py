"""The rounding rule: each line rounded half up to the penny, totals summed."""

from decimal import Decimal

import pytest

from clients.money import format_pounds, line_amount, parse_money, sum_amounts


@pytest.mark.parametrize(
    ("minutes", "rate", "expected"),
    [
        (15, "27.50", "6.88"),  # 6.875 rounds half up
        (50, "100.00", "83.33"),  # 83.333...
        (1, "0.01", "0.00"),  # 0.000166...
        (30, "27.50", "13.75"),
        (1, "30.00", "0.50"),
        (45, "85.00", "63.75"),
        (7, "93.00", "10.85"),  # 10.85 exactly
        (20, "0.05", "0.02"),  # 0.01666... rounds up to 0.02
        (90, "0.00", "0.00"),
    ],
)
def test_line_amount_rounds_half_up(minutes, rate, expected):
    assert line_amount(minutes, Decimal(rate)) == Decimal(expected)


def test_total_is_sum_of_rounded_lines():
    lines = [line_amount(15, Decimal("27.50")), line_amount(15, Decimal("27.50"))]

    assert sum_amounts(lines) == Decimal("13.76")
    # Valuing the 30 minutes at once would give a penny less.
    assert line_amount(30, Decimal("27.50")) == Decimal("13.75")


def test_line_amount_rejects_float():
    with pytest.raises(TypeError, match="Decimal"):
        line_amount(15, 27.5)


def test_empty_total_is_zero_pounds():
    assert sum_amounts([]) == Decimal("0.00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£85", "85"),
        ("85.50", "85.50"),
        ("£1,250.00", "1250.00"),
        (" £ 27.50 ", "27.50"),
        ("-£5.00", "-5.00"),
    ],
)
def test_parse_money_accepts_pound_sign(text, expected):
    assert parse_money(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["", "£", "85p", "1,25.00", "12.345", "£12.34.5", "ten"]
)
def test_parse_money_rejects_bad_text(text):
    with pytest.raises(ValueError):
        parse_money(text)


def test_format_pounds_with_separator():
    assert format_pounds(Decimal("1234.5")) == "£1,234.50"
    assert format_pounds(Decimal("-3.20")) == "-£3.20"
