"""The inquiry corpus: real-looking buyer messages and what must be read from them.

Each case is (message, [(product, quantity, unit), ...]). A change to the rules that
breaks one of these is a regression a salesperson would see as a wrong lead.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.leads.extract import extract_inquiry

Expected = list[tuple[str, str, str | None]]

CORPUS: list[tuple[str, Expected]] = [
    # English: the plain forms
    ("need 1000 LED lamps", [("LED lamps", "1000", None)]),
    ("Hi, we need 1,000 pcs of solar panels for a project in Kenya.",
     [("solar panels", "1000", "pcs")]),
    ("Please quote for 500 sets of office chairs", [("office chairs", "500", "sets")]),
    ("Looking for 2k units of solar inverters 5kW", [("solar inverters 5kW", "2000", "units")]),
    ("We want 1.5k pieces of stainless steel mugs", [("stainless steel mugs", "1500", "pcs")]),
    ("Can you supply 20 cartons of A4 paper?", [("A4 paper", "20", "cartons")]),
    ("need 2 containers of ceramic tiles", [("ceramic tiles", "2", "containers")]),
    ("We'd like 25 tons of PVC resin, CIF Lagos", [("PVC resin", "25", "t")]),
    ("300 pairs of safety shoes size 42", [("safety shoes size 42", "300", "pairs")]),
    ("two thousand five hundred pieces of cotton socks", [("cotton socks", "2500", "pcs")]),
    ("I need 1000pcs LED bulbs", [("LED bulbs", "1000", "pcs")]),
    ("Need 1000 PCS E27 bulbs", [("E27 bulbs", "1000", "pcs")]),
    ("European buyer: 1.000 pcs of glass jars", [("glass jars", "1000", "pcs")]),
    ("500 m of copper cable", [("copper cable", "500", "m")]),
    ("1000x LED strips please", [("LED strips", "1000", None)]),
    # English: several items
    ("Please quote 500 sets of office chairs and 200 desks.",
     [("office chairs", "500", "sets"), ("desks", "200", None)]),
    ("1) LED panel light 600x600 - 500 pcs\n2) LED tube T8 1.2m - 2000 pcs",
     [("LED panel light 600x600", "500", "pcs"), ("LED tube T8 1.2m", "2000", "pcs")]),
    ("Solar panels x 50, inverters x 10", [("Solar panels", "50", None), ("inverters", "10", None)]),
    ("Product: LED flood light 100W\nQty: 800 pcs\nDelivery: 30 days",
     [("LED flood light 100W", "800", "pcs")]),
    # English: ranges take the lower, firm bound
    ("We need 500-1000 pcs of 9W bulbs", [("9W bulbs", "500", "pcs")]),
    ("between 200 to 300 units of water pumps", [("water pumps", "200", "units")]),
    # English: numbers that are not quantities
    ("Call me on +1 (555) 123-4567 about 300 pcs of tripods", [("tripods", "300", "pcs")]),
    ("My WhatsApp: +86 138 0013 8000. Need 600 sets of camping tents",
     [("camping tents", "600", "sets")]),
    ("Delivery before 2025-06-30 please, 400 units of air fryers",
     [("air fryers", "400", "units")]),
    ("Can you ship by March 15, 2026? We need 120 cartons of olive oil",
     [("olive oil", "120", "cartons")]),
    ("Target price $3.50 per piece, 5000 pcs of USB cables", [("USB cables", "5000", "pcs")]),
    ("30% deposit, 70% before shipment. Lead time 15 days?", []),
    ("We are a company with 200 employees founded in 2009", []),
    ("Meeting at 10:30 on 05/06/2025, call 555-123-4567", []),
    ("What is your MOQ for 3000K LED downlights?", []),
    # Chinese
    ("我们需要1000盏LED灯", [("LED灯", "1000", "pcs")]),
    ("我要一千个保温杯", [("保温杯", "1000", "pcs")]),
    ("请报价两千台空调，谢谢", [("空调", "2000", "pcs")]),
    ("采购太阳能板500块，逆变器20台", [("太阳能板", "500", "pcs"), ("逆变器", "20", "pcs")]),
    ("LED灯1000个", [("LED灯", "1000", "pcs")]),
    ("需要1.5万件T恤", [("T恤", "15000", "pcs")]),
    ("订购五百套办公家具的报价", [("办公家具", "500", "sets")]),
    ("我们想要一千五百双运动鞋", [("运动鞋", "1500", "pairs")]),
    ("需要20吨钢材，3个月内交货", [("钢材", "20", "t")]),
    ("产品：太阳能路灯\n数量：300套", [("太阳能路灯", "300", "sets")]),
    ("我的手机13800138000，需要800个插座，5月20日前交货", [("插座", "800", "pcs")]),
    ("单价5元，要一万个塑料袋", [("塑料袋", "10000", "pcs")]),
    ("请问一下交期多久？", []),
    # Mixed
    ("Hi 你好, need 100 sets of 茶具", [("茶具", "100", "sets")]),
]


@pytest.mark.parametrize(("message", "expected"), CORPUS, ids=[c[0][:40] for c in CORPUS])
def test_the_corpus_reads_as_expected(message: str, expected: Expected) -> None:
    got = [(i.product, i.quantity, i.unit) for i in extract_inquiry(message)]
    assert got == [(p, Decimal(q), u) for p, q, u in expected]


def test_the_corpus_is_large_and_bilingual() -> None:
    chinese = [m for m, _ in CORPUS if any("\u4e00" <= ch <= "\u9fff" for ch in m)]
    assert len(CORPUS) >= 30
    assert len(chinese) >= 10
    assert sum(1 for _, e in CORPUS if not e) >= 5  # messages with nothing to extract


def test_quantities_are_decimals_without_exponents() -> None:
    (item,) = extract_inquiry("need 1.5k pieces of mugs")
    assert str(item.quantity) == "1500"
