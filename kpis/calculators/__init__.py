"""The registry of KPI calculators, looked up by the name a definition stores.

A definition whose source is a calculator name gets its values from that
calculator; ``kpis.choices.MANUAL_SOURCE`` means staff enter them by hand.
"""

from .base import NO_SOURCE_REASON, Calculator, Result

_REGISTRY: dict[str, Calculator] = {}


def register(calculator_class: type[Calculator]) -> type[Calculator]:
    """Add a calculator to the registry under its ``code``; use as a decorator."""
    calculator = calculator_class()
    if not calculator.code:
        raise ValueError(f"{calculator_class.__name__} has no code.")
    if calculator.code in _REGISTRY:
        raise ValueError(f"A calculator named {calculator.code!r} already exists.")
    _REGISTRY[calculator.code] = calculator
    return calculator_class


def get_calculator(code: str) -> Calculator:
    """Return the calculator named ``code``, raising ``KeyError`` if none is."""
    _load_all()
    return _REGISTRY[code]


def all_calculators() -> dict[str, Calculator]:
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def _load_all():
    # The modules register their calculators when imported.
    from . import clients, feedback, staff, surveys, work  # noqa: F401


__all__ = [
    "NO_SOURCE_REASON",
    "Calculator",
    "Result",
    "all_calculators",
    "get_calculator",
    "register",
]
